import { fillBatch } from '../../ml/dataset';
import { elementLoss } from '../../ml/losses';
import { readAll, Reads } from '../../ml/read';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { buildDecoder, buildEncoder, modelsBody } from '../architecture';
import type { BuiltModel, EpochContext, FamilyModel, ImageView } from '../family-model';
import type { DeepfakeModel } from './spec';

/**
 * Scores the decoder swap on a pair of twin sets: A's test image i decoded by B's decoder should be B's
 * test image i (same factors), and the other way round. `swap_mse` is the mean per-pixel MSE of both
 * directions; `twin_mse` is what no swap at all (returning the input) would score.
 */
async function swapScores(
  swap: (x: Tensor, to: number) => Tensor,
  { test, pixels }: EpochContext,
): Promise<Record<string, number>> {
  const labels = test.labels;
  if (!labels) return {};
  const a = labels.indexOf(1) < 0 ? test.count : labels.indexOf(1);
  const pairs = Math.min(a, test.count - a, 500);
  if (pairs <= 0) return {};
  let swapSum = 0;
  let twinSum = 0;
  for (let start = 0; start < pairs; start += 100) {
    const n = Math.min(100, pairs - start);
    const xa = new Float32Array(n * pixels);
    const xb = new Float32Array(n * pixels);
    fillBatch(
      test,
      pixels,
      Array.from({ length: n }, (_, i) => start + i),
      xa,
    );
    fillBatch(
      test,
      pixels,
      Array.from({ length: n }, (_, i) => a + start + i),
      xb,
    );
    const { swapped, twin } = await readAll(() => {
      const ta = tf.tensor2d(xa, [n, pixels]);
      const tb = tf.tensor2d(xb, [n, pixels]);
      const swapError = tf.add(tf.mean(tf.squaredDifference(swap(ta, 1), tb)), tf.mean(tf.squaredDifference(swap(tb, 0), ta)));
      return { swapped: tf.div(swapError, 2), twin: tf.mean(tf.squaredDifference(ta, tb)) };
    });
    swapSum += (swapped[0] as number) * n;
    twinSum += (twin[0] as number) * n;
  }
  return { swap_mse: swapSum / pairs, twin_mse: twinSum / pairs };
}

/** A wrapper of one encoder and two decoders: each image is reconstructed by its own identity's decoder. */
export const deepfakeFamily: FamilyModel<DeepfakeModel> = {
  build({ model: m, training, inputShape, seed, classes }): BuiltModel {
    if (classes !== 2) throw new Error('the deepfake set-up needs exactly two identities (dataset.second or dataset.classes)');
    const encoder = buildEncoder(inputShape, m, seed);
    const decoders = [
      buildDecoder(inputShape, m, m.outputActivation, seed + 101),
      buildDecoder(inputShape, m, m.outputActivation, seed + 202),
    ] as const;
    const perPixel = elementLoss(training);
    const need = (labels: Tensor | undefined): Tensor => {
      if (!labels) throw new Error('the deepfake model was called without identity labels');
      return labels;
    };
    /** Each image through its own identity's decoder: label column c selects decoder c. */
    const ownDecoder = (z: Tensor, labels: Tensor) =>
      tf.addN(decoders.map((d, c) => tf.mul(tf.slice(labels, [0, c], [-1, 1]), d.apply(z) as Tensor)));
    const pixels = inputShape[0] * inputShape[1] * inputShape[2];
    /** Decoder swap: encodes x and decodes it as identity `to` (0 = A, 1 = B). */
    const swap = (x: Tensor, to: number) => decoders[to === 0 ? 0 : 1].apply(encoder.apply(x)) as Tensor;
    return {
      conditional: true,
      computeLoss(x, _training, labels) {
        // Each decoder's loss on every image, kept where the label names it: each output straight from its decoder's
        // head, so BCE is taken from the logits (src/ml/sigmoid-output.ts).
        const z = encoder.apply(x) as Tensor;
        const own = need(labels);
        const reconstruction = tf.mean<Scalar>(
          tf.addN(decoders.map((d, c) => tf.mul(tf.slice(own, [0, c], [-1, 1]), perPixel(x, d.apply(z) as Tensor)))),
        );
        return { total: reconstruction, parts: { reconstruction } };
      },
      reconstruct: (x, labels) => ownDecoder(encoder.apply(x) as Tensor, need(labels)),
      // The shared code, and a code through the decoder its one-hot label names (0 = A, 1 = B): the explorer's sliders.
      encode: (x) => encoder.apply(x) as Tensor,
      decode: (z, labels) => ownDecoder(z, need(labels)),
      // Only a twin pair knows what a swapped image should be: image i of the other set.
      epochMetrics: async (ctx) => (ctx.twinSets ? swapScores(swap, ctx) : {}),
      ...modelsBody(encoder, ...decoders),
      // Named by identity: A is the data set (or the first class), B the second set (or class).
      layersModels: () => ({ encoder, decoder_a: decoders[0], decoder_b: decoders[1] }),
      exportNotes: () => ({
        encoder: 'x → z: the code both identities share',
        decoder_a: "z → image, flat, as identity A (the run's data set, or its first class)",
        decoder_b: 'z → image, flat, as identity B (dataset.second, or the second class): a swap is decoder_b(encoder(x of A))',
      }),
      async views({ sample, sampleLabels }): Promise<ImageView[]> {
        const out: ImageView[] = [];
        const reads = new Reads();
        tf.tidy(() => {
          const pick = (identity: number) => sampleLabels.flatMap((l, i) => (l === identity ? [i] : [])).slice(0, 10);
          const rowsOf = (t: Tensor, n: number) => reads.rows(t, n, pixels);
          for (const [own, other, name] of [
            [0, 1, 'A'],
            [1, 0, 'B'],
          ] as const) {
            const idx = pick(own);
            if (idx.length === 0) continue;
            const x = tf.gather(sample, idx);
            const z = encoder.apply(x) as Tensor;
            out.push({
              kind: `swap-${name.toLowerCase()}`,
              caption: `${name} (top), ${name} reconstructed by its own decoder (middle), ${name} swapped: decoded by ${other === 1 ? 'B' : 'A'}'s decoder (bottom)`,
              rows: [
                rowsOf(x, idx.length),
                rowsOf(decoders[own].apply(z) as Tensor, idx.length),
                rowsOf(decoders[other].apply(z) as Tensor, idx.length),
              ],
            });
          }
        });
        await reads.read();
        return out;
      },
    };
  },
};
