import { meanReconstructionLoss } from '../../../src/ml/losses';
import { readFloats } from '../../../src/ml/read';
import { tf, type Tensor } from '../../../src/ml/tf';
import type { BuiltModel, FamilyModel, ImageView, TestMetrics, Weight } from '../../../src/families/family-model';
import type { TiedAeModel } from './spec';

/** The tied-weights autoencoder (see ./spec.ts), with its own test metrics and view. */
export const tiedAeFamily: FamilyModel<TiedAeModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const pixels = inputShape[0] * inputShape[1] * inputShape[2];
    const k = m.codeSize;
    const w = tf.variable(tf.randomNormal([pixels, k], 0, Math.sqrt(2 / (pixels + k)), 'float32', seed), true, 'tied/W');
    const b = tf.variable(tf.zeros([k]), true, 'tied/b');
    const c = tf.variable(tf.zeros([pixels]), true, 'tied/c');
    const weights: Weight[] = [
      { name: 'tied/W', shape: [pixels, k], read: () => w },
      { name: 'tied/b', shape: [k], read: () => b },
      { name: 'tied/c', shape: [pixels], read: () => c },
    ];
    const encode = (x: Tensor) => tf.relu(tf.add(tf.matMul(x, w), b));
    const decode = (h: Tensor) => tf.sigmoid(tf.add(tf.matMul(h, w, false, true), c));
    const recon = meanReconstructionLoss(training);
    return {
      computeLoss(x) {
        const reconstruction = recon(x, decode(encode(x)));
        return { total: reconstruction, parts: { reconstruction } };
      },
      reconstruct: (x) => decode(encode(x)),
      trainableWeights: () => weights,
      weights: () => weights,
      summary: () => [
        { name: 'tied/encode', outputShape: [k], params: pixels * k + k },
        { name: 'tied/decode (Wᵀ)', outputShape: [pixels], params: pixels },
      ],
      dispose() {
        tf.dispose([w, b, c]);
      },
      /** Mean activation of each code unit over the test split, and how many units never fire. */
      testMetrics(): TestMetrics {
        const sum = new Float64Array(k);
        const fired = new Uint8Array(k);
        return {
          batch(x, _labels, reads) {
            const h = encode(x);
            reads.values(tf.sum(h, 0), (v) => v.forEach((s, d) => (sum[d] = (sum[d] as number) + s)));
            reads.values(tf.max(h, 0), (v) => v.forEach((m, d) => (fired[d] = m > 0 ? 1 : (fired[d] as number))));
          },
          result(count) {
            const metrics: Record<string, number> = { dead_units: fired.filter((f) => f === 0).length };
            sum.forEach((s, d) => (metrics[`code_mean_${d}`] = s / count));
            return { metrics };
          },
        };
      },
      async views(): Promise<ImageView[]> {
        // The first ten columns of W as images, each scaled to its own range.
        const filters = await readFloats(() => {
          const cols = tf.transpose(tf.slice(w, [0, 0], [pixels, Math.min(10, k)]));
          const lo = tf.min(cols, 1, true);
          const hi = tf.max(cols, 1, true);
          return tf.div(tf.sub(cols, lo), tf.maximum(tf.sub(hi, lo), 1e-8));
        });
        const row = Array.from({ length: Math.min(10, k) }, (_, i) => filters.slice(i * pixels, (i + 1) * pixels));
        return [
          { kind: 'tied-filters', caption: `The first ${row.length} columns of W, each scaled to its own range`, rows: [row] },
        ];
      },
    };
  },
};
