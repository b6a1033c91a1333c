import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../families/run-config';
import { checkpointPathInUse, listCheckpoints } from '../store/checkpoints';
import { finishJob, insertJob } from '../store/jobs';
import { openDb } from '../store/db';
import { insertRun } from '../store/runs';
import { checkpointsDirFor } from '../paths';
import { keepCheckpoint, removeCheckpointFile, removeRunFiles } from './checkpoint-files';

const dir = mkdtempSync(join(tmpdir(), 'latent-studio-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a run's checkpoint files", () => {
  it('a checkpoint stored twice (a log read twice) keeps its file while a row names it', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h');
    const record = (epoch: number) => {
      const path = join(dir, `run-${runId}-epoch-${epoch}`);
      writeFileSync(path, 'weights');
      return { epoch, step: epoch * 10, path, sizeBytes: 7, sha256: 'x' };
    };
    const policy = { keepLast: 1 };
    const first = record(1);
    keepCheckpoint(db, dir, runId, first, policy);
    keepCheckpoint(db, dir, runId, first, policy);
    expect(listCheckpoints(db, runId).map((c) => c.path)).toEqual([first.path]);
    expect(existsSync(first.path)).toBe(true);
    // The next epoch's supersedes it: its last row gone, the file goes too.
    keepCheckpoint(db, dir, runId, record(2), policy);
    expect(existsSync(first.path)).toBe(false);
  });

  it('keeps the file the newest learned prior was trained on, or one is queued to train on, after its row goes', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vq-vae'), 'h');
    const record = (epoch: number) => {
      const path = join(dir, `run-${runId}-prior-epoch-${epoch}`);
      writeFileSync(path, 'weights');
      return { epoch, step: epoch * 10, path, sizeBytes: 7, sha256: 'x' };
    };
    const policy = { keepLast: 1 };
    const [one, two, three] = [record(1), record(2), record(3)];
    keepCheckpoint(db, dir, runId, one, policy);
    const prior = insertJob(db, 'prior', runId, { checkpoint: one });
    finishJob(db, prior, { state: 'completed', result: {} });
    keepCheckpoint(db, dir, runId, two, policy);
    expect(existsSync(one.path), 'the completed prior’s checkpoint').toBe(true);
    // A queued prior reads the epoch-2 file; once it failed, nothing does.
    const queued = insertJob(db, 'prior', runId, { checkpoint: two });
    keepCheckpoint(db, dir, runId, three, policy);
    expect(existsSync(two.path), 'the queued prior’s checkpoint').toBe(true);
    finishJob(db, queued, { state: 'failed', error: 'x' });
    expect(checkpointPathInUse(db, two.path)).toBe(false);
    expect(checkpointPathInUse(db, one.path)).toBe(true);
    // A newer prior (on epoch 3) is the one sampling uses: the first one's checkpoint is needed no more.
    const newer = insertJob(db, 'prior', runId, { checkpoint: three });
    finishJob(db, newer, { state: 'completed', result: {} });
    expect(checkpointPathInUse(db, one.path)).toBe(false);
    expect(checkpointPathInUse(db, three.path)).toBe(true);
  });
});

describe('removing a checkpoint file', () => {
  it('takes one in the database’s folder or in the one every database once shared, and refuses any other', () => {
    const root = mkdtempSync(join(tmpdir(), 'latent-studio-ckpt-dirs-'));
    try {
      const own = checkpointsDirFor(join(root, 'beta.db'));
      expect(own).toBe(join(root, 'checkpoints-beta.db'));
      expect(checkpointsDirFor(join(root, 'studio.db'))).toBe(join(root, 'checkpoints'));
      const files = [join(own, 'run-1', 'epoch-0001.lsckpt'), join(root, 'checkpoints', 'run-1', 'epoch-0001.lsckpt')];
      for (const f of files) {
        mkdirSync(dirname(f), { recursive: true });
        writeFileSync(f, 'weights');
      }
      for (const f of files) removeCheckpointFile(own, f);
      expect(files.map((f) => existsSync(f))).toEqual([false, false]);
      const outside = join(root, 'elsewhere.lsckpt');
      writeFileSync(outside, 'not a checkpoint');
      expect(() => removeCheckpointFile(own, outside)).toThrow();
      expect(existsSync(outside)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("a deleted run's files", () => {
  it('go by their stored paths; the folder databases once shared keeps another database’s files of the same run id', () => {
    const root = mkdtempSync(join(tmpdir(), 'latent-studio-run-files-'));
    try {
      const studio = checkpointsDirFor(join(root, 'studio.db'));
      const beta = checkpointsDirFor(join(root, 'beta.db'));
      const write = (f: string) => {
        mkdirSync(dirname(f), { recursive: true });
        writeFileSync(f, 'weights');
        return f;
      };
      // Before per-database folders, beta.db's run 1 wrote into checkpoints/run-1 too, beside studio.db's run 1.
      const betaOld = write(join(studio, 'run-1', 'epoch-0001.lsckpt'));
      const betaNew = write(join(beta, 'run-1', 'epoch-0002.lsckpt'));
      const studioOwn = write(join(studio, 'run-1', 'epoch-0003.lsckpt'));
      removeRunFiles(studio, 1, [studioOwn]);
      expect([existsSync(studioOwn), existsSync(betaOld), existsSync(betaNew)]).toEqual([false, true, true]);
      removeRunFiles(beta, 1, [betaOld, betaNew]);
      expect([existsSync(betaOld), existsSync(join(beta, 'run-1'))]).toEqual([false, false]);
      // Emptied, studio.db's folder of the run goes too.
      removeRunFiles(studio, 1, []);
      expect(existsSync(join(studio, 'run-1'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
