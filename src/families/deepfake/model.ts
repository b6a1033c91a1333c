import { elementLoss } from '../../core/training/losses';
import { tf, type Scalar, type Tensor } from '../../core/training/tf';
import { buildDecoder, buildEncoder, modelsBody } from '../architecture';
import type { BuiltModel, FamilyModel, ImageView } from '../family-model';
import type { DeepfakeModel } from './spec';

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
    return {
      conditional: true,
      computeLoss(x, _training, labels) {
        const reconstruction = tf.mean<Scalar>(perPixel(x, ownDecoder(encoder.apply(x) as Tensor, need(labels))));
        return { total: reconstruction, parts: { reconstruction } };
      },
      reconstruct: (x, labels) => ownDecoder(encoder.apply(x) as Tensor, need(labels)),
      swap: (x, to) => decoders[to === 0 ? 0 : 1].apply(encoder.apply(x)) as Tensor,
      ...modelsBody(encoder, ...decoders),
      views({ sample, sampleLabels }): ImageView[] {
        const out: ImageView[] = [];
        tf.tidy(() => {
          const data = sample.dataSync() as Float32Array;
          const pick = (identity: number) => sampleLabels.flatMap((l, i) => (l === identity ? [i] : [])).slice(0, 10);
          const rowsOf = (t: Tensor, n: number) => {
            const d = t.dataSync() as Float32Array;
            return Array.from({ length: n }, (_, i) => d.slice(i * pixels, (i + 1) * pixels));
          };
          for (const [own, other, name] of [
            [0, 1, 'A'],
            [1, 0, 'B'],
          ] as const) {
            const idx = pick(own);
            if (idx.length === 0) continue;
            const x = tf.tensor2d(
              Float32Array.from(idx.flatMap((i) => Array.from(data.subarray(i * pixels, (i + 1) * pixels)))),
              [idx.length, pixels],
            );
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
        return out;
      },
    };
  },
};
