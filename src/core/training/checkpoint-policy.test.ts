import { describe, expect, it } from 'vitest';
import { defaultRunConfig, pretrainingEpochs } from '../../families/run-config';
import { bestEpochWatch, checkpointDue, checkpointsToDrop } from './checkpoint-policy';

const ckpts = [1, 2, 3, 4, 5, 6].map((epoch) => ({ epoch, step: epoch * 10 }));

describe('checkpoint policy', () => {
  it('writes every N epochs, once M minutes have passed, and always at the end', () => {
    expect([1, 2, 3, 4, 5, 6].filter((e) => checkpointDue({ everyEpochs: 2 }, e, 5, 0))).toEqual([2, 4, 5, 6]);
    expect([1, 2, 3].filter((e) => checkpointDue(undefined, e, 3, 0))).toEqual([1, 2, 3]);
    expect(checkpointDue({ everyMinutes: 10 }, 1, 5, 3)).toBe(false);
    expect(checkpointDue({ everyMinutes: 10 }, 2, 5, 11)).toBe(true);
    expect(checkpointDue({ everyMinutes: 10, everyEpochs: 3 }, 3, 5, 1)).toBe(true);
  });

  it('marks each epoch better than all before it by keepBest, past the pretraining, so that its checkpoint is written', () => {
    const watch = bestEpochWatch({ keepBest: { metric: 'loss', mode: 'min' } }, 1);
    const losses = [0.1, 5, 3, 3, 4, Number.NaN, 2];
    expect(losses.map((loss, i) => watch.after(i + 1, { loss }))).toEqual([false, true, true, false, false, false, true]);
    const max = bestEpochWatch({ keepBest: { metric: 'acc', mode: 'max' } });
    expect([0.5, 0.4, 0.6].map((acc, i) => max.after(i + 1, { acc, loss: 1 }))).toEqual([true, false, true]);
    expect(bestEpochWatch({ everyEpochs: 5 }).after(1, { loss: 1 })).toBe(false);
    // A metric the epoch does not report is said once, and no best is marked.
    const said: string[] = [];
    const lacking = bestEpochWatch({ keepBest: { metric: 'cluster_acc', mode: 'max' } }, 0, (m) => said.push(m));
    expect([1, 2].map((e) => lacking.after(e, { loss: 1 }, 'validation'))).toEqual([false, false]);
    expect(said).toEqual([
      'training.checkpoints.keepBest.metric: the validation split has no metric "cluster_acc" (it has loss): no best checkpoint is kept',
    ]);
  });

  it('keeps the last K and the best by a test metric', () => {
    expect(checkpointsToDrop(ckpts, undefined, () => undefined).map((c) => c.epoch)).toEqual([3, 2, 1]);
    const loss = (step: number) => ({ 10: 5, 20: 1, 30: 3, 40: 4, 50: 6, 60: 7 })[step];
    const drop = checkpointsToDrop(ckpts, { keepLast: 2, keepBest: { metric: 'loss', mode: 'min' } }, loss);
    expect(drop.map((c) => c.epoch)).toEqual([4, 3, 1]);
    const dropMax = checkpointsToDrop(ckpts, { keepLast: 1, keepBest: { metric: 'acc', mode: 'max' } }, loss);
    expect(dropMax.map((c) => c.epoch)).toEqual([5, 4, 3, 2, 1]);
  });

  it('ranks no checkpoint of a phased family’s pretraining for the best: its loss is another one', () => {
    // Epochs 1–2 pretrain (a lower loss of their own), 3–6 are the configured ones.
    const loss = (step: number) => ({ 10: 0.1, 20: 0.05, 30: 3, 40: 2, 50: 2.5, 60: 4 })[step];
    const policy = { keepLast: 1, keepBest: { metric: 'loss', mode: 'min' as const } };
    expect(checkpointsToDrop(ckpts, policy, loss, 2).map((c) => c.epoch)).toEqual([5, 3, 2, 1]);
    expect(checkpointsToDrop(ckpts, policy, loss).map((c) => c.epoch)).toEqual([5, 4, 3, 1]);
    // What the families declare: the stacked AE's layers × epochs each, DEC's pretraining; none elsewhere.
    const stacked = defaultRunConfig('stacked-ae');
    expect(pretrainingEpochs(stacked)).toBe(2 * 3);
    const dec = defaultRunConfig('deep-clustering');
    expect(pretrainingEpochs({ ...dec, model: { ...(dec.model as object), pretrainEpochs: 7 } as never })).toBe(7);
    expect(pretrainingEpochs(defaultRunConfig('vae'))).toBe(0);
  });
});
