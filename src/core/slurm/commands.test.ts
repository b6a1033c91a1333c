import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { slurmCommands } from './commands';

describe("squeue's answer", () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("gives each task its state, and why it waits while it is PENDING (squeue's %r)", async () => {
    dir = mkdtempSync(join(tmpdir(), 'latent-studio-squeue-'));
    // A stand-in squeue that prints what it was asked for, the way the real one answers -o '%i|%T|%r'.
    writeFileSync(
      join(dir, 'squeue'),
      `#!/bin/sh\necho "$@" > "${join(dir, 'args')}"\nprintf '5_0|PENDING|Resources\\n5_1|RUNNING|None\\n5_2|PENDING|None\\n5_3|COMPLETED|None\\n'\n`,
    );
    chmodSync(join(dir, 'squeue'), 0o755);
    const states = await slurmCommands({ ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` }).taskStates(['5']);
    expect(Object.fromEntries(states)).toEqual({
      '5_0': { state: 'PENDING', reason: 'Resources' },
      '5_1': { state: 'RUNNING' },
      '5_2': { state: 'PENDING' },
      '5_3': { state: 'COMPLETED' },
    });
  });
});
