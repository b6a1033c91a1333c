import { describe, expect, it } from 'vitest';
import { continuationText, stoppedEarlyText, trainingSeconds } from './runs';

const record = (
  status: 'completed' | 'cancelled' | 'interrupted' | 'stopped',
  resumedFromEpoch: number,
  at: string,
  endedAt?: string | null,
) => ({
  at,
  status,
  error: null,
  resumedFromEpoch,
  ...(endedAt !== undefined ? { endedAt } : {}),
});

describe('how a run continued', () => {
  it('calls an extension an extension, and an interruption an interruption', () => {
    // A completed run given more epochs was not interrupted.
    expect(continuationText([record('completed', 2, '2026-01-01T00:25:00Z')])).toBe('extended after epoch 2');
    expect(continuationText([record('cancelled', 3, 'x'), record('interrupted', 5, 'y')])).toBe(
      '2 interruptions, resumed from epochs 3, 5',
    );
    expect(continuationText([record('completed', 2, 'x'), record('cancelled', 4, 'y')])).toBe(
      'extended after epoch 2; 1 interruption, resumed from epoch 4',
    );
    // Stopped at a rung by its sweep, then trained to its end: no interruption.
    expect(continuationText([record('stopped', 3, 'x')])).toBe('trained on after Hyperband stopped it at epoch 3');
  });

  it('counts the time spent training, not the pause before an extension', () => {
    const run = {
      startedAt: '2026-01-01T00:00:00Z',
      endedAt: '2026-01-01T00:25:01Z',
      // 3 s of training, a pause of 24 min 55 s, then 3 s more.
      interruptions: [record('completed', 2, '2026-01-01T00:24:58Z', '2026-01-01T00:00:03Z')],
    };
    expect(trainingSeconds(run)).toBe(6);
    // An older record does not say when the first part ended: no figure rather than a wrong one.
    expect(trainingSeconds({ ...run, interruptions: [record('completed', 2, '2026-01-01T00:24:58Z')] })).toBeNull();
    expect(trainingSeconds({ ...run, interruptions: [] })).toBe(1501);
  });
});

describe('what a run that early stopping ended says', () => {
  const base = { epoch: 3, bestEpoch: 1, metric: 'loss', mode: 'min' as const, best: 0.2061, split: 'val' as const };
  it('names the rule: its min delta and patience, and a min delta large beside the best value', () => {
    expect(stoppedEarlyText({ ...base, patience: 2, minDelta: 0 })).toBe(
      'stopped early after epoch 3: validation loss no longer improved in 2 epochs; best epoch 1 (loss 0.2061)',
    );
    expect(stoppedEarlyText({ ...base, patience: 2, minDelta: 0.001 })).toBe(
      'stopped early after epoch 3: validation loss no longer improved by more than 0.001 (min delta) in 2 epochs; best epoch 1 (loss 0.2061)',
    );
    expect(stoppedEarlyText({ ...base, patience: 1, minDelta: 1 })).toBe(
      'stopped early after epoch 3: validation loss no longer improved by more than 1 (min delta) in 1 epoch; best epoch 1 (loss 0.2061); its min delta is 485 % of the best loss',
    );
    // An older record, without the rule.
    expect(stoppedEarlyText(base)).toBe(
      'stopped early after epoch 3: validation loss no longer improved; best epoch 1 (loss 0.2061)',
    );
  });

  it('says which checkpoint the run is used at where it keeps its best, and why it may not be the rule’s best', () => {
    const rule = { ...base, epoch: 11, bestEpoch: 9, patience: 2, minDelta: 0.001 };
    const said =
      'stopped early after epoch 11: validation loss no longer improved by more than 0.001 (min delta) in 2 epochs; best epoch 9 (loss 0.2061)';
    expect(stoppedEarlyText(rule, { epoch: 9, bestBy: 'loss' })).toBe(
      `${said}. Export, evaluations and the explorer use that epoch's checkpoint (kept as the best)`,
    );
    // Epoch 11 improved on 9 by less than the min delta: keep-best, which has none, kept it.
    expect(stoppedEarlyText(rule, { epoch: 11, bestBy: 'loss' })).toBe(
      `${said}. Export, evaluations and the explorer use epoch 11's checkpoint, the best by loss that keep-best kept (it counts any improvement, with no min delta)`,
    );
    // The newest checkpoint, no best kept: nothing to add.
    expect(stoppedEarlyText(rule, { epoch: 11, bestBy: null })).toBe(said);
    // Keep-best on another figure, or without a min delta on either: said so.
    expect(stoppedEarlyText(rule, { epoch: 10, bestBy: 'mse' })).toMatch(
      /the best by mse that keep-best kept \(it watches another figure\)$/,
    );
    expect(stoppedEarlyText({ ...rule, minDelta: 0 }, { epoch: 8, bestBy: 'loss' })).toMatch(
      /\(the best among the checkpoints kept\)$/,
    );
    // Out of patience at its last epoch: it ended nothing early.
    expect(stoppedEarlyText(rule, null, 11)).toBe(
      said.replace('stopped early after epoch 11', "trained to its last epoch (11), where early stopping's patience ran out too"),
    );
  });
});
