import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf } from '../../ml/tf';
import { gaussianLogDensity, mixtureLogDensity } from '../vae/densities';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('the VampPrior’s log density', () => {
  const z = () =>
    tf.tensor2d([
      [0.3, -1.2, 2],
      [-0.5, 0.1, 0],
    ]);
  const mu = () =>
    tf.tensor2d([
      [0, -1, 1.5],
      [1, 1, -1],
    ]);
  const logVar = () =>
    tf.tensor2d([
      [0, -0.5, 0.3],
      [0.2, 0, -1],
    ]);

  it('is the mean of the components’ densities, computed stably', () => {
    const mixture = mixtureLogDensity(z(), mu(), logVar()).arraySync() as number[];
    const each = [0, 1].map(
      (k) =>
        gaussianLogDensity(
          z(),
          tf.tile(tf.slice(mu(), [k, 0], [1, 3]), [2, 1]),
          tf.tile(tf.slice(logVar(), [k, 0], [1, 3]), [2, 1]),
        ).arraySync() as number[],
    );
    for (const i of [0, 1]) {
      const direct = Math.log((Math.exp(each[0]?.[i] as number) + Math.exp(each[1]?.[i] as number)) / 2);
      expect(mixture[i]).toBeCloseTo(direct, 5);
    }
  });

  it('with one component is that Gaussian’s density', () => {
    const one = mixtureLogDensity(
      z(),
      tf.slice(mu(), [0, 0], [1, 3]),
      tf.slice(logVar(), [0, 0], [1, 3]),
    ).arraySync() as number[];
    const gaussian = gaussianLogDensity(
      z(),
      tf.tile(tf.slice(mu(), [0, 0], [1, 3]), [2, 1]),
      tf.tile(tf.slice(logVar(), [0, 0], [1, 3]), [2, 1]),
    );
    const direct = gaussianLogDensity(tf.tensor2d([[0.3, -1.2, 2]]), tf.tensor2d([[0, -1, 1.5]]), tf.tensor2d([[0, -0.5, 0.3]]));
    // log N(0.3; 0, 1) + log N(−1.2; −1, e^−0.5) + log N(2; 1.5, e^0.3), by hand:
    const byHand = [
      [0.3, 0, 0],
      [-1.2, -1, -0.5],
      [2, 1.5, 0.3],
    ].reduce(
      (s, [x, m, lv]) =>
        s -
        0.5 * Math.log(2 * Math.PI) -
        0.5 * (lv as number) -
        (0.5 * ((x as number) - (m as number)) ** 2) / Math.exp(lv as number),
      0,
    );
    expect(one[0]).toBeCloseTo(byHand, 5);
    expect((direct.arraySync() as number[])[0]).toBeCloseTo(byHand, 5);
    expect(one[1]).toBeCloseTo((gaussian.arraySync() as number[])[1] as number, 5);
  });
});
