import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('is the layout its record says: its size and sha256, and the digest of all before it at its end', () => {
    // Views into a larger buffer (as tensors' data can be) are written as the values they show.
    const pool = new Float32Array([9, 9, 0.5, -1.25, 3, 9]);
    const written: TrainingState = {
      ...state(3),
      weights: [
        { name: 'w', shape: [2, 2], values: new Float32Array([1, 2, 3, 4]) },
        { name: 'b', shape: [3], values: pool.subarray(2, 5) },
      ],
      optimizer: [{ name: 'w/m', shape: [2, 2], values: new Float32Array([0.1, 0.2, 0.3, 0.4]) }],
    };
    const record = writeCheckpoint(dir, written);
    const bytes = readFileSync(record.path);
    expect(record.sizeBytes).toBe(bytes.length);
    expect(record.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const body = bytes.subarray(0, bytes.length - 32);
    expect(bytes.subarray(bytes.length - 32)).toEqual(createHash('sha256').update(body).digest());
    const back = readCheckpoint(record.path, record.sha256);
    expect(back.weights.map((w) => [w.name, Array.from(w.values)])).toEqual([
      ['w', [1, 2, 3, 4]],
      ['b', [0.5, -1.25, 3]],
    ]);
    expect(Array.from(back.optimizer[0]?.values ?? [])).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
  });
});
