import { describe, expect, it, vi } from 'vitest';
import type { RunConfig } from '../../shared/config';
import { defaultRunConfig, pretrainingEpochs } from '../../families/run-config';
import { SweepSpec } from '../../shared/sweep';
import { EventHub } from '../events';
import { openDb } from '../store/db';
import { writeMetrics } from '../store/metrics';
import { deleteRun, finishRun, getRun } from '../store/runs';
import { runRungs } from '../store/rungs';
import { insertSweep, listSweeps, sweepRuns } from '../store/sweeps';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetCatalog } from '../datasets/catalog';
import { sweepObjectives } from '../../shared/sweep-search';
import { AdaptiveSweeps, sweepTrial } from './adaptive';

// The studio refuses any learning rate above 1e-3 (as its memory check refuses a corner of a space).
vi.mock('../run-checks', () => ({
  checkRun: (config: RunConfig) =>
    config.training.learningRate > 1e-3 ? [{ path: 'training.learningRate', message: 'refused here' }] : [],
}));

function adaptiveOn(db: ReturnType<typeof openDb>) {
  return new AdaptiveSweeps({
    db,
    events: new EventHub(),
    orchestrator: { setRungJudge: () => undefined, schedule: () => undefined } as unknown as Orchestrator,
    datasets: {} as DatasetCatalog,
  });
}

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
    const adaptive = adaptiveOn(db);
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

describe('a bayes sweep whose proposal the studio refuses', () => {
  it('draws it again (from the next stream) and goes on, instead of stopping for good', () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('vae');
    const spec = SweepSpec.parse({
      name: 'lr',
      method: 'bayes',
      count: 3,
      concurrency: 1,
      // Its first draw for proposal 2 is refused (above 1e-3).
      seed: 2,
      base: config,
      parameters: { 'training.learningRate': { min: 1e-4, max: 1e-1, distribution: 'log_uniform_values' } },
      metric: { name: 'test.loss', goal: 'minimize' },
    });
    const point = { name: 'a', params: { 'training.learningRate': 1e-4 }, config };
    const { sweepId, runIds } = insertSweep(db, spec, [point], () => 'h');
    finish(db, runIds[0]!, [1]);
    adaptiveOn(db).advance(sweepId);
    const runs = sweepRuns(db, sweepId);
    expect(runs).toHaveLength(2);
    expect(Number(runs[1]!.params['training.learningRate'])).toBeLessThanOrEqual(1e-3);
    expect(getRun(db, runIds[0]!)?.warnings).toEqual([]);
  });
});

/** Ends a run as completed with a test loss per epoch (NaN is not stored, as a diverged metric is not). */
function finish(db: ReturnType<typeof openDb>, runId: number, testLoss: number[]): void {
  writeMetrics(
    db,
    runId,
    testLoss.flatMap((value, e) => [
      { step: e + 1, epoch: e + 1, split: 'train', name: 'loss', value: 1 },
      { step: e + 1, epoch: e + 1, split: 'test', name: 'loss', value },
    ]),
  );
  finishRun(db, runId, 'completed', null);
}

const lrSweep = (count: number) =>
  SweepSpec.parse({
    name: 'lr',
    method: 'bayes',
    count,
    concurrency: 1,
    base: defaultRunConfig('vae'),
    parameters: { 'training.learningRate': { min: 1e-5, max: 1e-3, distribution: 'log_uniform_values' } },
    metric: { name: 'test.loss', goal: 'minimize' },
  });

describe('a bayes sweep whose every draw the studio refuses', () => {
  it('leaves those proposals out, saying so, and ends instead of waiting for them', () => {
    const db = openDb(':memory:');
    const spec = SweepSpec.parse({
      ...lrSweep(3),
      parameters: { 'training.learningRate': { min: 2e-3, max: 1e-1, distribution: 'log_uniform_values' } },
    });
    const point = { name: 'a', params: { 'training.learningRate': 2e-3 }, config: spec.base as RunConfig };
    const { sweepId, runIds } = insertSweep(db, spec, [point], () => 'h');
    finish(db, runIds[0]!, [1]);
    adaptiveOn(db).advance(sweepId);
    expect(sweepRuns(db, sweepId)).toHaveLength(1);
    expect(listSweeps(db, sweepId)[0]).toMatchObject({ total: 1, planned: 1 });
    expect(getRun(db, runIds[0]!)?.warnings).toEqual([
      expect.stringMatching(
        /^its sweep left out proposal 2: none of 20 draws was accepted \(parameters\.training\.learningRate: [\d.e-]+ is refused: refused here\)$/,
      ),
      expect.stringMatching(/^its sweep left out proposal 3: /),
    ]);
  });
});

describe('a bayes sweep after one of its runs is deleted', () => {
  it('draws the next proposal from a stream of its own: it repeats no run, and makes count proposals in all', () => {
    const db = openDb(':memory:');
    const spec = lrSweep(4);
    const config = spec.base as RunConfig;
    const { sweepId, runIds } = insertSweep(
      db,
      spec,
      [{ name: 'a', params: { 'training.learningRate': 1e-4 }, config }],
      () => 'h',
    );
    const adaptive = adaptiveOn(db);
    finish(db, runIds[0]!, [1]);
    adaptive.advance(sweepId);
    finish(db, sweepRuns(db, sweepId)[1]!.runId, [2]);
    adaptive.advance(sweepId);
    finish(db, sweepRuns(db, sweepId)[2]!.runId, [3]);
    expect(deleteRun(db, sweepRuns(db, sweepId)[1]!.runId)).toBe(true);
    adaptive.advance(sweepId);
    const runs = sweepRuns(db, sweepId);
    expect(runs.map((r) => r.index)).toEqual([0, 2, 3]);
    const drawn = runs.map((r) => r.params['training.learningRate']);
    expect(new Set(drawn).size).toBe(drawn.length);
    // Proposal 3 was the last of 4: nothing more, though one run is gone; the sweep plans no more than it has.
    finish(db, runs[2]!.runId, [4]);
    adaptive.advance(sweepId);
    expect(sweepRuns(db, sweepId)).toHaveLength(3);
    expect(listSweeps(db, sweepId)[0]).toMatchObject({ total: 3, planned: 3 });
  });
});

describe("a sweep run's result as TPE reads it", () => {
  it("is its metric at its last epoch; one that ended as NaN makes no trial (not an earlier epoch's value)", () => {
    const db = openDb(':memory:');
    const spec = lrSweep(3);
    const point = { name: 'a', params: { 'training.learningRate': 1e-4 }, config: spec.base as RunConfig };
    const { sweepId, runIds } = insertSweep(db, spec, [point, { ...point, name: 'b' }], () => 'h');
    finish(db, runIds[0]!, [0.9, 0.5]);
    finish(db, runIds[1]!, [0.9, NaN]);
    const [good, diverged] = sweepRuns(db, sweepId);
    const objectives = sweepObjectives(spec);
    expect(sweepTrial(db, good!, objectives)).toEqual({ params: point.params, state: 'complete', losses: [0.5] });
    expect(sweepTrial(db, diverged!, objectives)).toBeNull();
  });
});
