import { describe, expect, it } from 'vitest';
import { defaultRunConfig, pretrainingEpochs } from '../../families/run-config';
import { SweepSpec } from '../../shared/sweep';
import { EventHub } from '../events';
import { openDb } from '../store/db';
import { writeMetrics } from '../store/metrics';
import { runRungs } from '../store/rungs';
import { insertSweep } from '../store/sweeps';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetCatalog } from '../datasets/catalog';
import { AdaptiveSweeps } from './adaptive';

describe("Hyperband's rungs of a phased family", () => {
  it('count epochs of the run’s own training: pretraining (another loss) is never judged', () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('stacked-ae');
    config.training = { ...config.training, epochs: 9 };
    const pretraining = pretrainingEpochs(config);
    expect(pretraining).toBeGreaterThan(3);
    const spec = SweepSpec.parse({
      name: 'stacked',
      method: 'grid',
      base: config,
      parameters: { 'training.learningRate': { values: [0.001] } },
      metric: { name: 'test.loss', goal: 'minimize' },
      early_terminate: { type: 'hyperband', min_iter: 1, eta: 3 },
    });
    const { runIds } = insertSweep(db, spec, [{ name: 'a', params: { 'training.learningRate': 0.001 }, config }], () => 'h');
    const runId = runIds[0]!;
    const adaptive = new AdaptiveSweeps({
      db,
      events: new EventHub(),
      orchestrator: { setRungJudge: () => undefined } as unknown as Orchestrator,
      datasets: {} as DatasetCatalog,
    });
    expect(adaptive.plan(runId, config)).toEqual({ epochs: [pretraining + 1, pretraining + 3], metric: 'test.loss' });
    for (const epoch of [1, pretraining + 1])
      writeMetrics(db, runId, [{ step: epoch * 10, epoch, split: 'test', name: 'loss', value: 0.5 }]);
    // Epoch 1 is pretraining's: no rung there; the first of its own is.
    expect(adaptive.judge(runId, 1)).toEqual({ stop: false, reason: null });
    expect(runRungs(db, runId)).toEqual([]);
    expect(adaptive.judge(runId, pretraining + 1)).toEqual({ stop: false, reason: null });
    expect(runRungs(db, runId)).toMatchObject([{ rung: 0, epoch: pretraining + 1, decision: 'continue' }]);
  });
});
