import { meanReconstructionLoss } from '../../ml/losses';
import { followModeBatchNorm } from '../../ml/mode';
import { stopGradient } from '../../ml/ops';
import { codeUsage } from '../../ml/quantise';
import { readFloats } from '../../ml/read';
import { tf, tfl, type Tensor, type Variable } from '../../ml/tf';
import { buildDecoder, buildEncoder, summarize } from '../architecture';
import type { BuiltModel, ChartView, FamilyModel, Weight } from '../family-model';
import { codeGridShape } from '../vq-vae/spec';
import { fsqArchitecture, fsqCodebookSize, type FsqModel } from './spec';

/**
 * Mentzer et al. 2023, appendix A.1: per channel with L levels, half_l = (L − 1)(1 − ε)/2, offset ½ for even L, and
 * bound(z) = tanh(z + atanh(offset/half_l))·half_l − offset, so that round(bound(z)) takes exactly L integer values,
 * {−⌊L/2⌋, …, ⌈L/2⌉ − 1}. (The paper's listing writes tan for atanh; the shift makes bound(0) = 0 either way to
 * first order; atanh makes it exact, as lucidrains' vector-quantize-pytorch has it.)
 *
 * L = 2 has no such shift: offset/half_l = 0.5/0.4995 > 1 and atanh is undefined (NaN codes). The paper's tan(1.001)
 * = 1.56 would put the rounding boundary at z = −1.56, nearly every code on one level; with no shift it lies at z = 0,
 * and the two levels split the (standardised) code evenly.
 */
export function fsqQuantiser(levels: number[]) {
  const eps = 1e-3;
  const halfL = levels.map((l) => ((l - 1) * (1 - eps)) / 2);
  const offsets = levels.map((l) => (l % 2 === 0 ? 0.5 : 0));
  const shifts = offsets.map((o, i) => (o < (halfL[i] as number) ? Math.atanh(o / (halfL[i] as number)) : 0));
  const halfWidth = levels.map((l) => Math.floor(l / 2));
  // Index = Σ_i digit_i · basis_i, the digits in 0…L_i − 1, the first channel varying fastest.
  const basis = levels.map((_, i) => levels.slice(0, i).reduce((a, b) => a * b, 1));
  const codes = fsqCodebookSize(levels);
  const row = (v: number[]) => tf.tensor1d(v);
  return {
    codes,
    /** The bounded, rounded code, straight through (forward: the grid point; backward: the bound's gradient), in [−1, 1]. */
    quantise(z: Tensor): Tensor {
      const bounded = tf.sub(tf.mul(tf.tanh(tf.add(z, row(shifts))), row(halfL)), row(offsets));
      const rounded = tf.add(bounded, stopGradient(tf.sub(tf.round(bounded), bounded)));
      return tf.div(rounded, row(halfWidth));
    },
    /** Code indices (int32 [n]) of quantised rows [n, channels]. */
    indices(zq: Tensor): Tensor {
      const digits = tf.round(tf.add(tf.mul(zq, row(halfWidth)), row(halfWidth)));
      return tf.cast(tf.sum(tf.mul(digits, row(basis)), 1), 'int32');
    },
    /** The grid points [n, channels] of code indices [n]. */
    values(indices: Tensor): Tensor {
      const i = tf.expandDims(tf.cast(indices, 'float32'), 1);
      const digits = tf.mod(tf.floor(tf.div(i, row(basis))), row(levels));
      return tf.div(tf.sub(digits, row(halfWidth)), row(halfWidth));
    },
  };
}

export const fsqFamily: FamilyModel<FsqModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const arch = fsqArchitecture(m);
    const d = m.levels.length;
    const encoder = buildEncoder(inputShape, arch, seed, { codeUnits: m.positions * d });
    const decoder = buildDecoder(inputShape, arch, m.outputActivation, seed);
    const recon = meanReconstructionLoss(training);
    const q = fsqQuantiser(m.levels);
    const batchOf = (x: Tensor) => x.shape[0] ?? 0;
    // The code's channels standardised before the bound (see the spec's `normalise`): a batch norm without scale or
    // shift (PyTorch's BatchNorm1d(affine=False), momentum 0.1): batch moments in training, running ones at test,
    // checkpointed under their names of old.
    const norm =
      m.normalise === 'batch'
        ? followModeBatchNorm(
            tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, center: false, scale: false, name: 'fsq_norm' }),
          )
        : undefined;
    if (norm) tf.tidy(() => void norm.apply(tf.zeros([1, d])));
    const runningWeights: Weight[] = norm
      ? (['fsq_running_mean', 'fsq_running_var'] as const).map((name, i) => ({
          name,
          shape: [d],
          read: () => norm.weights[i]?.read() as Variable,
        }))
      : [];
    const standardise = (z: Tensor) => (norm ? (norm.apply(z) as Tensor) : z);
    /** The quantised code of every position, [batch · positions, channels]. */
    const code = (x: Tensor) => q.quantise(standardise(tf.reshape(encoder.apply(x) as Tensor, [-1, d])));
    const decodeRows = (zq: Tensor, batch: number) => decoder.apply(tf.reshape(zq, [batch, -1])) as Tensor;
    const oneHotOf = (zq: Tensor) => tf.cast(tf.oneHot(q.indices(zq), q.codes), 'float32');
    return {
      computeLoss(x) {
        const zq = code(x);
        const reconstruction = recon(x, decodeRows(zq, batchOf(x)));
        const { perplexity, usage } = codeUsage(oneHotOf(zq));
        return { total: reconstruction, parts: { reconstruction, perplexity, codebook_usage: usage } };
      },
      reconstruct: (x) => decodeRows(code(x), batchOf(x)),
      encode: (x) => tf.reshape(code(x), [batchOf(x), -1]),
      decode: (z) => decoder.apply(z) as Tensor,
      codeGrid: {
        codebookSize: q.codes,
        grid: codeGridShape({ positions: m.positions, codeSize: d, decoder: m.decoder }),
        indices: (x) => tf.reshape(q.indices(code(x)), [batchOf(x), m.positions]),
        decodeIndices: (indices) => decodeRows(q.values(tf.reshape(indices, [-1])), indices.shape[0] ?? 0),
      },
      trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights],
      weights: () => [...encoder.weights, ...decoder.weights, ...runningWeights],
      summary: () => summarize(encoder, decoder),
      // Each encoder row [levels] standardised by the running moments (normalise 'batch'), bounded and rounded to
      // the grid of `levels` (fsqQuantiser), is the decoder's input.
      layersModels: () => ({ encoder, decoder }),
      exportArrays: () => Object.fromEntries(runningWeights.map((w) => [w.name.replace(/^fsq_/, ''), w.read()])),
      exportNotes: () => ({
        encoder:
          `x → rows of ${m.levels.length} columns, each ${norm ? 'standardised by running_mean.npy and running_var.npy, then ' : ''}` +
          'bounded and rounded to the grid of `levels` (Mentzer et al. 2023) before the decoder',
        running_mean: "the encoder's output's mean per column, as batch norm keeps it: subtracted first",
        running_var:
          'its variance per column: the difference is divided by sqrt(running_var + 1e-5) before bounding and rounding',
      }),
      dispose() {
        norm?.dispose();
        encoder.dispose();
        decoder.dispose();
      },
      async views({ sample }): Promise<ChartView[]> {
        const counts = await readFloats(() => tf.sum(oneHotOf(code(sample)), 0));
        const used = counts.filter((c) => c > 0).length;
        return [
          {
            kind: 'code-usage',
            chart: 'histogram',
            axis: 'code (grid index)',
            caption: `How often each of the ${q.codes} grid codes (levels ${m.levels.join(',')}) is chosen over ${sample.shape[0]} test images: ${used} in use`,
            bins: Array.from(counts, (count, i) => ({ from: i, to: i + 1, count })),
          },
        ];
      },
    };
  },
};
