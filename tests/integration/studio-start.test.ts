import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/store/db';
import { recordRung } from '../../src/core/store/rungs';
import { finishRun, markRunning, studioStopped } from '../../src/core/store/runs';
import { insertSweep } from '../../src/core/store/sweeps';
import type { Environment } from '../../src/shared/api';
import { SweepSpec } from '../../src/shared/sweep';
import { mnistConfig, openTestStudio, tempDir } from './helpers';

const env = { backend: { name: 'wasm', reason: 'test' } } as Environment;

describe('a studio opening a database its predecessor left', () => {
  it('ends a sweep run that Hyperband had stopped as stopped (its studio died before the run ended), and resumes one it had not', async () => {
    const t = tempDir();
    const dbPath = join(t.dir, 'studio.db');
    const db = openDb(dbPath);
    const config = mnistConfig({ trainSubset: 200, testSubset: 100 });
    const spec = SweepSpec.parse({
      name: 'hb',
      method: 'grid',
      base: config,
      parameters: { 'training.seed': { values: [1, 2] } },
      metric: { name: 'test.loss', goal: 'minimize' },
      early_terminate: { type: 'hyperband', min_iter: 1, eta: 3 },
    });
    const points = [1, 2].map((seed) => ({ name: `s${seed}`, params: { 'training.seed': seed }, config }));
    const { sweepId, runIds } = insertSweep(db, spec, points, () => 'h');
    const [judged, cut] = runIds as [number, number];
    for (const runId of runIds) markRunning(db, runId, env);
    recordRung(db, sweepId, { runId: judged, rung: 0, epoch: 1, value: 0.9, decision: 'stopped', cutoff: 0.5, peers: 3 });
    for (const runId of runIds) finishRun(db, runId, 'interrupted', `${studioStopped} while this run was in progress`);
    db.close();
    const studio = openTestStudio(dbPath);
    try {
      const stopped = await studio.api['runs.get']({ runId: judged });
      expect(stopped.status).toBe('stopped');
      expect(stopped.error).toMatch(/^stopped by Hyperband at rung 0 \(epoch 1\): test.loss 0.9000 is not in the top 1\/3/);
      expect((await studio.api['runs.get']({ runId: cut })).status).toMatch(/queued|running/);
      await studio.api['sweeps.cancel']({ sweepId });
    } finally {
      await studio.close();
      t.cleanup();
    }
  });
});
