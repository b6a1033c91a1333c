import { describe, expect, it } from 'vitest';
import type { RunsTable, SweepDetail } from '../../../shared/api';
import { SweepSpec } from '../../../shared/sweep';
import { bestSoFar, rungBars, sweepRungEpochs, wrapLines } from './sweep-search-view';

const spec = SweepSpec.parse({
  name: 's',
  base: 'x',
  method: 'bayes',
  count: 4,
  metric: { name: 'test.loss', goal: 'minimize' },
  early_terminate: { type: 'hyperband', min_iter: 1, eta: 3 },
  parameters: { 'model.beta': { min: 0, max: 1 } },
});
const run = (runId: number, status: SweepDetail['runs'][number]['status'], trained: number) => ({
  runId,
  name: `r${runId}`,
  params: {},
  status,
  epochs: 9,
  trained,
});
const sweep = {
  spec,
  runs: [run(1, 'completed', 9), run(2, 'stopped', 1), run(3, 'completed', 9), run(4, 'running', 2)],
  rungs: [
    { runId: 1, rung: 0, epoch: 1, value: 5, decision: 'continue' as const, cutoff: null, peers: 0 },
    { runId: 2, rung: 0, epoch: 1, value: 7, decision: 'stopped' as const, cutoff: 5, peers: 1 },
  ],
};
const rows = [
  { id: 1, metrics: { 'test.loss': 3 } },
  { id: 3, metrics: { 'test.loss': 2.5 } },
] as unknown as RunsTable['rows'];

describe('the sweep view of an adaptive sweep', () => {
  it('draws the best final value so far, a stopped run at its rung value outside it', () => {
    expect(bestSoFar(sweep, rows).map((p) => [p.value, p.best])).toEqual([
      [3, 3],
      [7, 3],
      [2.5, 2.5],
      [null, 2.5],
    ]);
  });

  it('a maximised metric keeps the highest', () => {
    const up = { ...sweep, spec: { ...spec, metric: { name: 'test.loss', goal: 'maximize' as const } } };
    expect(bestSoFar(up, rows).map((p) => p.best)).toEqual([3, 3, 3, 3]);
  });

  it('bars how far each run got, and where Hyperband stopped it', () => {
    expect(sweepRungEpochs(sweep)).toEqual([1, 3]);
    expect(rungBars(sweep).map((b) => [b.trained, b.stoppedAt])).toEqual([
      [9, null],
      [1, 1],
      [9, null],
      [2, null],
    ]);
    // Why, for the tooltip: each rung's figure, its cutoff and the runs it was judged against.
    expect(rungBars(sweep).map((b) => b.rungs)).toEqual([
      ['went on at rung 0 (epoch 1): test.loss 5.000, the first run to reach it'],
      [
        'stopped by Hyperband at rung 0 (epoch 1): test.loss 7.000 is not in the top 1/3 of the one run that reached this rung before it (cutoff 5.000)',
      ],
      [],
      [],
    ]);
    expect(wrapLines('went on at rung 0 (epoch 1): test.loss 5.000, the first run to reach it', 30)).toEqual([
      'went on at rung 0 (epoch 1):',
      'test.loss 5.000, the first run',
      'to reach it',
    ]);
  });

  it("counts a phased family's runs after its pretraining, as Hyperband does", () => {
    // 3 pretraining epochs: stopped at the first rung (epoch 1 after them, 4 in all), another trained 3 + 9.
    const phased = {
      ...sweep,
      runs: sweep.runs.slice(0, 2).map((r, i) => ({ ...r, pretraining: 3, trained: i === 0 ? 12 : 4 })),
      rungs: sweep.rungs.filter((r) => r.runId === sweep.runs[1]?.runId).map((r) => ({ ...r, epoch: r.epoch + 3 })),
    };
    expect(rungBars(phased).map((b) => [b.trained, b.epochs, b.stoppedAt])).toEqual([
      [9, 9, null],
      [1, 9, 1],
    ]);
  });
});
