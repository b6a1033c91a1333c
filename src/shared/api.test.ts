import { describe, expect, it } from 'vitest';
import { commands, type CommandName } from './api';
// The families register their model schemas into the contract at start, as every entry point's imports do.
import '../families/specs';

describe('the contract', () => {
  it('refuses a field it does not know in every command, naming it', () => {
    const lenient: string[] = [];
    for (const name of Object.keys(commands) as CommandName[]) {
      const r = commands[name].input.safeParse({ surplusField: 1 });
      const named = !r.success && r.error.issues.some((i) => i.code === 'unrecognized_keys' && i.keys.includes('surplusField'));
      if (!named) lenient.push(name);
    }
    expect(lenient).toEqual([]);
  });
});
