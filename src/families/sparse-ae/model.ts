import { meanReconstructionLoss } from '../../ml/losses';
import { readAll } from '../../ml/read';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { buildArchitecture, modelsBody } from '../architecture';
import type { BuiltModel, ChartView, FamilyModel, ImageView } from '../family-model';
import type { SparseAeModel } from './spec';

/** |a| below this counts as a silent unit in the "near-zero share". */
export const nearZero = 0.01;

type Encoder = ReturnType<typeof buildArchitecture>['encoder'];

/** The encoder's layers after its input, in order: what `activations` gives an output for each. */
const applied = (encoder: Encoder) => encoder.layers.filter((l) => l.getClassName() !== 'InputLayer');

/** The encoder's activations layer by layer (one per layer of `applied`); the last one is the code. */
function activations(encoder: Encoder, x: Tensor): Tensor[] {
  const out: Tensor[] = [];
  let h = x;
  for (const layer of applied(encoder)) {
    h = layer.apply(h) as Tensor;
    out.push(h);
  }
  return out;
}

const unitLayers = new Set(['Dense', 'Conv2D']);
const activationLayers = new Set(['LeakyReLU', 'ReLU', 'ELU', 'Activation']);

/**
 * Which of `applied`'s outputs are units' activations (seed 003's a^(h)): a dense or conv layer's output, or, where
 * its activation is a layer of its own (LeakyReLU), that layer's; the code (the last) always. Not the input's reshape
 * or a flatten, whose values are the image's or another layer's again.
 */
export function penalisedLayers(encoder: Encoder): boolean[] {
  const layers = applied(encoder);
  const classes = layers.map((l) => l.getClassName());
  return classes.map(
    (c, i) =>
      i === layers.length - 1 ||
      (unitLayers.has(c) && !activationLayers.has(classes[i + 1] ?? '')) ||
      (activationLayers.has(c) && unitLayers.has(classes[i - 1] ?? '')),
  );
}

export const sparseAeFamily: FamilyModel<SparseAeModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const { encoder, decoder } = buildArchitecture(inputShape, m, m.outputActivation, seed, { codeActivation: m.codeActivation });
    const recon = meanReconstructionLoss(training);
    const encode = (x: Tensor) => encoder.apply(x) as Tensor;
    const reconstruct = (x: Tensor) => decoder.apply(encode(x)) as Tensor;
    // The layers whose activations pay the L1 penalty.
    const penalised = penalisedLayers(encoder);
    return {
      computeLoss(x) {
        const acts = activations(encoder, x);
        const code = acts[acts.length - 1] as Tensor;
        const reconstruction = recon(x, decoder.apply(code) as Tensor);
        // L1 sparsity (seed 001): lambda * mean |a| over the code, and over hidden layers if asked.
        const l1Terms = m.penaliseHidden
          ? acts.filter((_, i) => penalised[i]).map((a) => tf.mean(tf.abs(a)))
          : [tf.mean(tf.abs(code))];
        const l1 = tf.addN(l1Terms) as Scalar;
        const total = tf.add<Scalar>(reconstruction, tf.mul(m.lambda, l1));
        const codeZeroShare = tf.mean<Scalar>(tf.cast(tf.less(tf.abs(code), nearZero), 'float32'));
        return { total, parts: { reconstruction, l1, code_zero_share: codeZeroShare } };
      },
      reconstruct,
      encode,
      decode: (z) => decoder.apply(z) as Tensor,
      ...modelsBody(encoder, decoder),
      async views({ sample }): Promise<(ImageView | ChartView)[]> {
        // First-layer features (Olshausen & Field): each unit's input weights drawn as an image.
        const first = encoder.layers.find((l) => l.getClassName() === 'Dense');
        const kernel = first?.getWeights()[0];
        const drawn = kernel && kernel.shape[0] === sample.shape[1] ? kernel : undefined;
        const { code, w } = await readAll(() => ({ code: encode(sample), w: drawn ?? tf.zeros([0]) }));
        const out: (ImageView | ChartView)[] = [];
        const abs = Array.from(code, Math.abs);
        // A loop, not a spread: a wide code over the sample has more values than a call may take arguments.
        const max = abs.reduce((m, v) => Math.max(m, v), 1e-6);
        const binCount = 30;
        const counts = new Array<number>(binCount).fill(0);
        for (const v of abs) counts[Math.min(binCount - 1, Math.floor((v / max) * binCount))]! += 1;
        const share = abs.filter((v) => v < nearZero).length / abs.length;
        out.push({
          kind: 'code-histogram',
          chart: 'histogram',
          axis: '|code activation|',
          caption: `|code activation| over ${sample.shape[0]} test images: ${(100 * share).toFixed(1)} % below ${nearZero}`,
          bins: counts.map((count, i) => ({ from: (i * max) / binCount, to: ((i + 1) * max) / binCount, count })),
        });
        if (drawn) {
          const [pixels, units] = drawn.shape as [number, number];
          const shown = Math.min(units, 64);
          const tiles = Array.from({ length: shown }, (_, u) => {
            const tile = new Float32Array(pixels);
            let lo = Infinity;
            let hi = -Infinity;
            for (let p = 0; p < pixels; p++) {
              const v = w[p * units + u] as number;
              tile[p] = v;
              lo = Math.min(lo, v);
              hi = Math.max(hi, v);
            }
            return tile.map((v) => (v - lo) / Math.max(hi - lo, 1e-8));
          });
          const rows: Float32Array[][] = [];
          for (let r = 0; r < shown; r += 8) rows.push(tiles.slice(r, r + 8));
          out.push({
            kind: 'first-layer-features',
            caption: `Input weights of the first ${shown} units of the first layer, each scaled to its own range`,
            rows,
          });
        }
        return out;
      },
    };
  },
};
