import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { followModeBatchNorm, followModeDropout, inTraining } from './mode';
import { tf, tfl, type Tensor } from './tf';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** A dropout layer of rate 0.5 as the studio's models build it, and the mask each call draws on 1,000 ones. */
function dropout(seed: number) {
  const layer = followModeDropout(tfl.layers.dropout({ rate: 0.5 }), 0.5, seed);
  const ones = tf.ones([1, 1000]);
  const mask = () => Array.from((layer.apply(ones) as Tensor).dataSync()).map((v) => (v === 0 ? 0 : 1));
  return { mask };
}

const agreeing = (a: number[], b: number[]) => a.filter((v, i) => v === b[i]).length;

describe('dropout in training mode', () => {
  it('draws a mask of its own for each pass of a step (a second use of the encoder), the same again for the same step', () => {
    const { mask } = dropout(7);
    const [first, second] = inTraining(3, () => [mask(), mask()]);
    // Independent masks of rate 0.5 agree on about half the units; the same mask on all of them.
    expect(agreeing(first!, second!)).toBeLessThan(600);
    expect(first!.filter((v) => v === 0).length).toBeGreaterThan(400);
    const again = inTraining(3, () => [mask(), mask()]);
    expect(again).toEqual([first, second]);
    expect(
      agreeing(
        inTraining(4, () => mask()),
        first!,
      ),
    ).toBeLessThan(600);
    // In inference, nothing is dropped.
    expect(mask().every((v) => v === 1)).toBe(true);
  });
});

describe('batch norm in training mode', () => {
  it('passes a batch of one value per channel as in inference, moving nothing (it has no variance)', () => {
    const layer = followModeBatchNorm(tfl.layers.batchNormalization({ momentum: 0.9 }));
    const one = tf.tensor2d([[5, -2, 9]]);
    const inference = Array.from((layer.apply(one) as Tensor).dataSync());
    const moving = () =>
      layer
        .getWeights()
        .slice(2)
        .map((w) => Array.from(w.dataSync()));
    const before = moving();
    const trained = Array.from((inTraining(1, () => layer.apply(one)) as Tensor).dataSync());
    expect(trained).toEqual(inference);
    expect(trained).not.toEqual([0, 0, 0]);
    expect(moving()).toEqual(before);
    // Two rows: normalised by the batch, and the statistics move.
    inTraining(2, () =>
      layer.apply(
        tf.tensor2d([
          [5, -2, 9],
          [1, 2, 3],
        ]),
      ),
    );
    expect(moving()).not.toEqual(before);
  });

  it('without scale or shift (FSQ’s), gives a gradient for a batch of one value per channel too', () => {
    const layer = followModeBatchNorm(tfl.layers.batchNormalization({ momentum: 0.9, center: false, scale: false }));
    for (const rows of [2, 1]) {
      const x = tf.variable(
        tf.tensor2d(
          Array.from({ length: rows * 3 }, (_, i) => i - 2),
          [rows, 3],
        ),
      );
      const { grads } = inTraining(rows, () => tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as Tensor)), [x]));
      expect(grads[x.name]?.shape, `${rows} rows`).toEqual([rows, 3]);
      expect(Array.from(grads[x.name]!.dataSync()).every(Number.isFinite)).toBe(true);
    }
  });
});
