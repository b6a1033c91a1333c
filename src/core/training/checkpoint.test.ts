import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, type TrainingState } from './checkpoint';

const dir = mkdtempSync(join(tmpdir(), 'latent-studio-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const state = (epoch: number): TrainingState => ({
  epoch,
  step: epoch * 10,
  weights: [{ name: 'w', shape: [2, 3], values: new Float32Array([1, 2, 3, 4, 5, 6]) }],
  optimizer: [],
  trainer: { seed: 1 },
  family: {},
});

describe('a checkpoint written', () => {
  it('reads back as written, and clears what workers killed mid-write left (theirs only)', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const left = join(dir, `epoch-0001.ckpt.tmp-${dead}`);
    const writing = join(dir, `epoch-0001.ckpt.tmp-${process.ppid}`);
    writeFileSync(left, 'half');
    writeFileSync(writing, 'half');
    const record = writeCheckpoint(dir, state(2));
    expect(readCheckpoint(record.path, record.sha256).weights[0]?.values).toEqual(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(existsSync(left)).toBe(false);
    // A live process's file is its own, still being written.
    expect(existsSync(writing)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([`epoch-0001.ckpt.tmp-${process.ppid}`]);
  });
});
