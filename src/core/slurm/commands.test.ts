import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noAccounting, slurmCommands } from './commands';

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

describe("sacct's answer", () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const sacct = (script: string) => {
    dir = mkdtempSync(join(tmpdir(), 'latent-studio-sacct-'));
    writeFileSync(join(dir, 'sacct'), `#!/bin/sh\nprintf '%s\\n' "$*" > "${join(dir, 'args')}"\n${script}\n`);
    chmodSync(join(dir, 'sacct'), 0o755);
    return slurmCommands({ ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` });
  };

  it('gives the state each forgotten task ended in, a cancelled one without who cancelled it', async () => {
    const commands = sacct(`printf '5_0|TIMEOUT\\n5_1|CANCELLED by 1000\\n5_2|OUT_OF_MEMORY\\n6_0|COMPLETED\\n'`);
    const states = await commands.finalStates!(['5_0', '5_1', '5_2']);
    expect(Object.fromEntries(states)).toEqual({
      '5_0': { state: 'TIMEOUT' },
      '5_1': { state: 'CANCELLED' },
      '5_2': { state: 'OUT_OF_MEMORY' },
    });
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('-n -P -X -j 5_0,5_1,5_2 -o JobID,State');
  });

  it('is refused, and known as such, where the cluster keeps no accounting', async () => {
    const commands = sacct(`echo 'Slurm accounting storage is disabled' >&2; exit 1`);
    const refused = await commands.finalStates!(['5_0']).catch((e: unknown) => e);
    expect(noAccounting(refused)).toBe(true);
    expect(noAccounting(new Error('Slurm accounting storage is disabled'))).toBe(false);
  });
});
