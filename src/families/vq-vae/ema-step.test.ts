import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { inTraining } from '../../ml/mode';
import { tf } from '../../ml/tf';
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
    const rows = () => {
      const book = built
        .weights()
        .find((w) => w.name === 'codebook')!
        .read();
      const [k, d] = book.shape as [number, number];
      const values = book.dataSync();
      return Array.from({ length: k }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d)));
    };
    const norm = (v: number[]) => Math.hypot(...v);
    const before = rows();
    const x = tf.randomUniform([16, 784], 0, 1, 'float32', 5);
    tf.tidy(() => inTraining(1, () => (built.computeLoss(x, true).total, built.afterStep?.(x))));
    const after = rows();
    // Moved by more than the smoothing's 1e-5 relative.
    const moved = after.map((v, i) => norm(v.map((a, j) => a - before[i]![j]!)) > 1e-3 * norm(before[i]!));
    expect(moved.some(Boolean)).toBe(true);
    expect(moved.every(Boolean)).toBe(false);
    for (const [i, v] of after.entries()) {
      if (!moved[i]) v.forEach((a, j) => expect(a).toBeCloseTo(before[i]![j]!, 6));
      // None far out of reach: a chosen code's vector lies between its old one and its encodings' mean.
      expect(norm(v)).toBeLessThan(100 * Math.max(...before.map(norm)) + 10);
    }
    built.dispose();
  });
});
