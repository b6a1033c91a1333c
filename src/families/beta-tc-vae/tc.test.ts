import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf, type Tensor } from '../../ml/tf';
import { overSplit } from '../../ml/mode';
import { defaultRunConfig } from '../run-config';
import { betaTcVaeFamily, mssLogWeights, tcDecomposition } from './model';
import type { BetaTcVaeModel } from './spec';
import { covariance, dipPenalty } from '../dip-vae/model';

beforeAll(async () => {
  await selectBackend('cpu');
});

const value = (t: Tensor) => (t.dataSync() as Float32Array)[0] as number;

describe('the β-TC-VAE decomposition', () => {
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

describe('the q(z) estimators from a batch', () => {
  it('stratified sampling weighs each image 1/N for its own sample, and each row of weights sums to 1', () => {
    const w = tf.tidy(() => tf.exp(mssLogWeights(5, 100)).arraySync() as number[][]);
    for (const [i, row] of w.entries()) {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(row[i]).toBeCloseTo(1 / 100, 7);
      // M = 4 others: one with the stratum's remainder (N − M)/(N·M), three with 1/M.
      expect(row[(i + 1) % 5]).toBeCloseTo(96 / 400, 7);
      expect(row.filter((v) => Math.abs(v - 1 / 4) < 1e-7)).toHaveLength(3);
    }
    // A batch of one: its own image at 1/N, which is where MWS puts it too.
    expect(tf.tidy(() => tf.exp(mssLogWeights(1, 100)).arraySync())).toEqual([[expect.closeTo(1 / 100, 7)]]);
  });

  it('with narrow posteriors, MSS estimates the TC near its full-data value; MWS reads about d·log N − log M high', () => {
    const [n, d, batch] = [1000, 4, 64];
    const logVar0 = Math.log(0.01);
    const { exact, mws, mss } = tf.tidy(() => {
      // Two dimensions tied, two free: a true TC well above 0.
      const base = tf.randomNormal([n, 2], 0, 1, 'float32', 11);
      const mu = tf.concat([base, tf.slice(base, [0, 0], [n, 1]), tf.randomNormal([n, 1], 0, 1, 'float32', 12)], 1);
      const logVar = tf.fill([n, d], logVar0);
      const z = tf.add(mu, tf.mul(0.1, tf.randomNormal([n, d], 0, 1, 'float32', 13)));
      // The truth over all N images: log q(z_i) = logsumexp_n log q(z_i|x_n) − log N, and per dimension.
      const pairs = tf.neg(
        tf.add(
          0.5 * Math.log(2 * Math.PI) + 0.5 * logVar0,
          tf.div(tf.square(tf.sub(tf.expandDims(z, 1), tf.expandDims(mu, 0))), 2 * Math.exp(logVar0)),
        ),
      );
      const logQz = tf.sub(tf.logSumExp(tf.sum(pairs, 2), 1), Math.log(n));
      const logQzProduct = tf.sum(tf.sub(tf.logSumExp(pairs, 1), Math.log(n)), 1);
      const exact = value(tf.mean(tf.sub(logQz, logQzProduct)));
      // The batch estimates, averaged over the data set's consecutive batches.
      const sums = { mws: 0, mss: 0 };
      const batches = Math.floor(n / batch);
      for (let k = 0; k < batches; k++) {
        const part = (t: Tensor) => tf.slice(t, [k * batch, 0], [batch, d]);
        const b = { mu: part(mu), logVar: part(logVar), z: part(z) };
        sums.mws += value(tcDecomposition(b, n, 'mws').tc) / batches;
        sums.mss += value(tcDecomposition(b, n, 'mss').tc) / batches;
      }
      return { exact, ...sums };
    });
    console.log(
      `TC over ${n} images: ${exact.toFixed(3)} nats; batches of ${batch}: MWS ${mws.toFixed(3)}, MSS ${mss.toFixed(3)}`,
    );
    expect(exact).toBeGreaterThan(0.5);
    expect(Math.abs(mss - exact)).toBeLessThan(0.25 * Math.abs(mws - exact));
    // MWS's weights sum to 1/N: its joint log q(z) (the own image dominates) reads about log M low, each broad marginal
    // about log N low.
    const offset = d * Math.log(n) - Math.log(batch);
    expect(Math.abs(mws - exact - offset)).toBeLessThan(0.15 * offset);
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

describe("the β-TC-VAE's test metrics", () => {
  it('take the evaluated split’s size as N (the weights are 1/N of the set the batch is drawn from), not the training set’s', () => {
    const config = defaultRunConfig('beta-tc-vae');
    const build = (trainCount: number) =>
      betaTcVaeFamily.build({
        model: config.model as BetaTcVaeModel,
        training: config.training,
        inputShape: [28, 28, 1],
        seed: 2,
        classes: 0,
        trainCount,
      });
    const x = tf.randomUniform([64, 784], 0, 1, 'float32', 3);
    const parts = (built: ReturnType<typeof build>, evaluate?: number) =>
      tf.tidy(() => {
        const loss = () => built.computeLoss(x, false).parts;
        const p = evaluate === undefined ? loss() : overSplit(evaluate, loss);
        return ['mi', 'tc'].map((k) => value(p[k]!));
      });
    // A test split of 10,000 beside a training set of 60,000: as if the model knew only the test split.
    const asTest = parts(build(60000), 10000);
    expect(asTest).toEqual(parts(build(10000)));
    expect(asTest).not.toEqual(parts(build(60000)));
  });
});
