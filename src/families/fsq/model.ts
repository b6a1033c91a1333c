import { meanReconstructionLoss } from '../../ml/losses';
import { freshVariableName, stopGradient } from '../../ml/ops';
import { codeUsage } from '../../ml/quantise';
import { readFloats } from '../../ml/read';
import { tf, type Tensor } from '../../ml/tf';
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
    // The code's channels standardised before the bound (see the spec's `normalise`): batch moments in training,
    // running ones (updated after each step, weight 0.1 as PyTorch's batch norm) at test, both checkpointed.
    const runningMean = tf.variable(tf.zeros([d]), false, freshVariableName('fsq_running_mean'));
    const runningVar = tf.variable(tf.ones([d]), false, freshVariableName('fsq_running_var'));
    const runningWeights: Weight[] =
      m.normalise === 'batch'
        ? [
            { name: 'fsq_running_mean', shape: [d], read: () => runningMean },
            { name: 'fsq_running_var', shape: [d], read: () => runningVar },
          ]
        : [];
    let batchMoments: { mean: Tensor; variance: Tensor } | undefined;
    const standardise = (z: Tensor, training: boolean) => {
      if (m.normalise !== 'batch') return z;
      let mean = runningMean as Tensor;
      let variance = runningVar as Tensor;
      if (training) {
        ({ mean, variance } = tf.moments(z, 0));
        tf.dispose([batchMoments?.mean, batchMoments?.variance]);
        batchMoments = { mean: tf.keep(tf.clone(stopGradient(mean))), variance: tf.keep(tf.clone(stopGradient(variance))) };
      }
      return tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, 1e-5)));
    };
    /** The quantised code of every position, [batch · positions, channels]. */
    const code = (x: Tensor, training = false) =>
      q.quantise(standardise(tf.reshape(encoder.apply(x) as Tensor, [-1, d]), training));
    const decodeRows = (zq: Tensor, batch: number) => decoder.apply(tf.reshape(zq, [batch, -1])) as Tensor;
    const oneHotOf = (zq: Tensor) => tf.cast(tf.oneHot(q.indices(zq), q.codes), 'float32');
    return {
      computeLoss(x, training) {
        const zq = code(x, training);
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
      afterStep() {
        if (!batchMoments) return;
        runningMean.assign(tf.add(tf.mul(0.9, runningMean), tf.mul(0.1, batchMoments.mean)));
        runningVar.assign(tf.add(tf.mul(0.9, runningVar), tf.mul(0.1, batchMoments.variance)));
        tf.dispose([batchMoments.mean, batchMoments.variance]);
        batchMoments = undefined;
      },
      trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights],
      weights: () => [...encoder.weights, ...decoder.weights, ...runningWeights],
      summary: () => summarize(encoder, decoder),
      dispose() {
        tf.dispose([runningMean, runningVar, batchMoments?.mean, batchMoments?.variance]);
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
            caption: `How often each of the ${q.codes} grid codes (levels ${m.levels.join(',')}) is chosen over ${sample.shape[0]} test images: ${used} in use`,
            bins: Array.from(counts, (count, i) => ({ from: i, to: i + 1, count })),
          },
        ];
      },
    };
  },
};
