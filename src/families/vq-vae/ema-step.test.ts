import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { inTraining } from '../../ml/mode';
import { tf, type Tensor } from '../../ml/tf';
import { expectEmaFromTheStepsOwnPass } from '../ema-step.testing';
import { defaultRunConfig } from '../run-config';
import { vqVaeFamily } from './model';
import type { VqVaeModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('the vq-vae codebook’s EMA update', () => {
  it('uses the step’s own forward pass: the encoder’s batch norm moves its statistics once a step, not twice', () => {
    const config = defaultRunConfig('vq-vae');
    const model: VqVaeModel = {
      ...(config.model as VqVaeModel),
      codebookUpdate: 'ema',
      encoder: [{ type: 'dense', units: 12, activation: 'relu' }, { type: 'batchNorm' }],
    };
    expectEmaFromTheStepsOwnPass(() =>
      vqVaeFamily.build({ model, training: config.training, inputShape: [28, 28, 1], seed: 4, classes: 0 }),
    );
  });

  it("keeps the vector of a code the step does not choose, and moves a chosen one toward its encodings' mean", () => {
    const config = defaultRunConfig('vq-vae');
    const model: VqVaeModel = { ...(config.model as VqVaeModel), codebookUpdate: 'ema', reseedDeadCodes: false };
    const built = vqVaeFamily.build({ model, training: config.training, inputShape: [28, 28, 1], seed: 4, classes: 0 });
    const rowsOf = (name: string) => {
      const t = built
        .weights()
        .find((w) => w.name === name)!
        .read();
      const d = t.shape[1] ?? 1;
      const values = t.dataSync();
      return Array.from({ length: t.shape[0]! }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d)));
    };
    const distance = (a: number[], b: number[]) => Math.hypot(...a.map((v, j) => v - b[j]!));
    const [book0, sum0, count0] = ['codebook', 'codebook_ema_sum', 'codebook_ema_count'].map(rowsOf) as [
      number[][],
      number[][],
      number[][],
    ];
    const x = tf.randomUniform([16, 784], 0, 1, 'float32', 5);
    // The encodings z_e, from the encoder itself (no batch norm or dropout here: the step's pass gives the same).
    const d = book0[0]!.length;
    const flat = tf.tidy(() => tf.reshape(built.layersModels!()['encoder']!.apply(x) as Tensor, [-1, d]).dataSync());
    const encodings = Array.from({ length: flat.length / d }, (_, r) => Array.from(flat.subarray(r * d, (r + 1) * d)));
    tf.tidy(() => inTraining(1, () => (built.computeLoss(x, true).total, built.afterStep?.(x))));
    const [book, sum, count] = ['codebook', 'codebook_ema_sum', 'codebook_ema_count'].map(rowsOf) as [
      number[][],
      number[][],
      number[][],
    ];
    // van den Oord et al. (2017), appendix A.1, with γ = 0.99: each encoding is assigned its nearest code; then
    // N ← γN + (1 − γ)n, m ← γm + (1 − γ)Σ z_e, and e = m / N (N Laplace-smoothed, Sonnet's VectorQuantizerEMA).
    const gamma = model.emaDecay ?? 0.99;
    const k = book0.length;
    const n = Array.from({ length: k }, () => 0);
    const taken = book0.map(() => Array.from({ length: d }, () => 0));
    for (const z of encodings) {
      const nearest = book0.reduce((best, e, i) => (distance(z, e) < distance(z, book0[best]!) ? i : best), 0);
      n[nearest]!++;
      z.forEach((v, j) => (taken[nearest]![j]! += v));
    }
    expect(n.some((c) => c > 0)).toBe(true);
    expect(n.every((c) => c > 0)).toBe(false);
    const expectedCount = count0.map(([c], i) => gamma * c! + (1 - gamma) * n[i]!);
    const all = expectedCount.reduce((a, b) => a + b, 0);
    for (let i = 0; i < k; i++) {
      expect(count[i]![0]).toBeCloseTo(expectedCount[i]!, 5);
      const expectedSum = sum0[i]!.map((m, j) => gamma * m + (1 - gamma) * taken[i]![j]!);
      sum[i]!.forEach((m, j) => expect(m).toBeCloseTo(expectedSum[j]!, 5));
      const smoothed = ((expectedCount[i]! + 1e-5) / (all + k * 1e-5)) * all;
      book[i]!.forEach((e, j) => expect(e).toBeCloseTo(expectedSum[j]! / smoothed, 4));
      if (n[i] === 0) book[i]!.forEach((e, j) => expect(e).toBeCloseTo(book0[i]![j]!, 6));
      else {
        // A chosen code moves toward its encodings' mean.
        const mean = taken[i]!.map((t) => t / n[i]!);
        expect(distance(book[i]!, mean)).toBeLessThan(distance(book0[i]!, mean));
      }
    }
    built.dispose();
  });
});
