import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf, type Tensor } from '../../ml/tf';
import { tcDecomposition } from './model';
import { covariance, dipPenalty } from '../dip-vae/model';

beforeAll(async () => {
  await selectBackend('cpu');
});

const value = (t: Tensor) => (t.dataSync() as Float32Array)[0] as number;

describe('the β-TC-VAE decomposition (minibatch weighted sampling)', () => {
  it('MI + TC + dwKL is the sampled KL, E[log q(z|x) − log p(z)], and TC grows when the dimensions move together', () => {
    tf.tidy(() => {
      const n = 200;
      const mu = tf.randomNormal([n, 3], 0, 1, 'float32', 1);
      const logVar = tf.fill([n, 3], Math.log(0.05));
      const z = tf.add(mu, tf.mul(Math.sqrt(0.05), tf.randomNormal([n, 3], 0, 1, 'float32', 2)));
      const parts = tcDecomposition({ mu, logVar, z }, 60000);
      const logQzx = tf.sum(
        tf.neg(
          tf.add(
            tf.add(0.5 * Math.log(2 * Math.PI), tf.mul(0.5, logVar)),
            tf.div(tf.square(tf.sub(z, mu)), tf.mul(2, tf.exp(logVar))),
          ),
        ),
        1,
      );
      const logPz = tf.sum(tf.neg(tf.add(0.5 * Math.log(2 * Math.PI), tf.mul(0.5, tf.square(z)))), 1);
      expect(value(parts.mi) + value(parts.tc) + value(parts.dwkl)).toBeCloseTo(value(tf.mean(tf.sub(logQzx, logPz))), 3);
      // The same means with every dimension a copy of the first: q(z) is far from the product of its marginals.
      const first = tf.slice(mu, [0, 0], [n, 1]);
      const tied = tf.concat([first, first, first], 1);
      const zTied = tf.add(tied, tf.mul(Math.sqrt(0.05), tf.randomNormal([n, 3], 0, 1, 'float32', 2)));
      const tc = value(tcDecomposition({ mu: tied, logVar, z: zTied }, 60000).tc);
      expect(tc).toBeGreaterThan(value(parts.tc) + 1);
    });
  });
});

describe('the DIP-VAE penalty', () => {
  it('is the batch covariance (E[xxᵀ] − E[x]E[x]ᵀ), and is zero at the identity', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([
        [1, 2],
        [3, 0],
        [5, 4],
      ]);
      // By hand: means 3 and 2; var 8/3 and 8/3; covariance (−2·0 + 0·−2 + 2·2)/3 = 4/3.
      Array.from(covariance(x).dataSync()).forEach((v, i) => expect(v).toBeCloseTo([8 / 3, 4 / 3, 4 / 3, 8 / 3][i] as number, 5));
      expect(value(dipPenalty(tf.eye(3), 10, 100))).toBe(0);
      // λ_od Σ_{i≠j} C_ij² + λ_d Σ (C_ii − 1)² = 10·2·0.25 + 100·(0.25 + 0) for [[1.5, 0.5], [0.5, 1]].
      expect(
        value(
          dipPenalty(
            tf.tensor2d([
              [1.5, 0.5],
              [0.5, 1],
            ]),
            10,
            100,
          ),
        ),
      ).toBeCloseTo(30, 4);
    });
  });
});
