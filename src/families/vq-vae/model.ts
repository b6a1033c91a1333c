import { kMeans } from '../../analysis/kmeans';
import { subsetSplit, type ImageSplit } from '../../ml/dataset';
import { meanReconstructionLoss } from '../../ml/losses';
import { createRng, deriveSeed, shuffledIndices } from '../../shared/random';
import { freshVariableName, stopGradient, variableFrom } from '../../ml/ops';
import { codeUsage, nearestCode } from '../../ml/quantise';
import { readFloats } from '../../ml/read';
import { readSplit } from '../../ml/split-pass';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { buildDecoder, buildEncoder, summarize } from '../architecture';
import type { BuiltModel, ChartView, FamilyModel, Weight } from '../family-model';
import { codeGridShape, defaultEmaDecay, vqArchitecture, type VqVaeModel } from './spec';

/** Encoder outputs (rows of D) the codebook's start draws on, at most: those of ⌈16,384 / positions⌉ training images. */
export const codebookInitRows = 16_384;
/** Lloyd iterations of the start's k-means: a start, not a converged clustering (vector-quantize-pytorch runs 10). */
const codebookInitIterations = 20;
/**
 * Multiply-adds the start's k-means may cost, about rows · K · D · (2 + ln K + iterations) with its k-means++ seeding:
 * a second or two of one core (it runs in JS, before the first step): the MLP presets' (K = 64, D = 8) take all
 * 16,384 rows, the conv preset's (K = 128, D = 16) about 9,000.
 */
const codebookInitBudget = 5e8;

/**
 * How a codebook of K codes of size D starts (`codebookInit: 'kmeans'`): k-means on as many encoder outputs as the
 * budget allows, where that is at least four per code; else (K = 512 codes of D = 32, or 1,024 of D = 8, and larger)
 * on K distinct encoder outputs drawn at random, as vector-quantize-pytorch's sampled start.
 */
export function codebookStart(k: number, d: number): { method: 'kmeans' | 'sample'; rows: number } {
  const rows = Math.min(codebookInitRows, Math.floor(codebookInitBudget / (k * d * (2 + Math.log(k) + codebookInitIterations))));
  return rows >= 4 * k ? { method: 'kmeans', rows } : { method: 'sample', rows: Math.min(codebookInitRows, 4 * k) };
}

/** The rows `picked` of `rows` (rows of `d`), in that order. */
function pickRows(rows: Float32Array, d: number, picked: ArrayLike<number>): Float32Array {
  const out = new Float32Array(picked.length * d);
  for (let i = 0; i < picked.length; i++) out.set(rows.subarray(picked[i]! * d, (picked[i]! + 1) * d), i * d);
  return out;
}

export const vqVaeFamily: FamilyModel<VqVaeModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const arch = vqArchitecture(m);
    const d = m.codeSize;
    const k = m.codebookSize;
    const pixels = inputShape[0] * inputShape[1] * inputShape[2];
    const encoder = buildEncoder(inputShape, arch, seed, { codeUnits: m.positions * d });
    const decoder = buildDecoder(inputShape, arch, m.outputActivation, seed);
    const codebook = variableFrom(
      tf.randomUniform([k, d], -1 / k, 1 / k, 'float32', seed + 17),
      true,
      freshVariableName('codebook'),
    );
    const codebookWeight: Weight = { name: 'codebook', shape: [k, d], read: () => codebook };
    const recon = meanReconstructionLoss(training);
    // EMA updates: the running count of each code's assignments and the running sum of their encoder outputs. The sum
    // starts at the codebook, so the count starts at one: e_i = m_i / N_i is then the codebook itself before any
    // assignment, and a code a step does not choose keeps its vector (from a count of 0, as Sonnet v1 starts, it was
    // divided by the 1e-5 of the smoothing, ~10⁵ times longer, and out of reach for good).
    const ema = m.codebookUpdate === 'ema';
    const decay = m.emaDecay ?? defaultEmaDecay;
    const emaCount = variableFrom(tf.ones([k]), false, freshVariableName('codebook_ema_count'));
    const emaSum = variableFrom(tf.clone(codebook), false, freshVariableName('codebook_ema_sum'));
    // Checkpointed only when they are used, so a VQ-VAE trained with the codebook loss keeps its weights' list.
    const emaWeights: Weight[] = ema
      ? [
          { name: 'codebook_ema_count', shape: [k], read: () => emaCount },
          { name: 'codebook_ema_sum', shape: [k, d], read: () => emaSum },
        ]
      : [];
    // How often each code was chosen since the last re-seed, and the latest training batch's encoder outputs
    // (re-seeding draws from them), on the device: re-seeding runs in the graph, with no read back in a step.
    const chosen = variableFrom(tf.zeros([k]), false, freshVariableName('codebook_usage'));
    let lastEncoded: Tensor | undefined;
    let lastEpoch = 0;
    let reseeds = 0;
    // Whether the codebook still waits to be placed on the encoder's outputs (before the first step only).
    let unplaced = m.codebookInit === 'kmeans';

    const quantise = (zFlat: Tensor) => nearestCode(zFlat, codebook);
    const encode = (x: Tensor) => tf.reshape(encoder.apply(x) as Tensor, [-1, d]);
    const batchOf = (x: Tensor) => x.shape[0] ?? 0;

    /**
     * Places the codebook on the untrained encoder's outputs for training images (`codebookStart`): by k-means
     * (k-means++ seeds, sklearn's Lloyd iterations) or on K of them drawn at random, seeded from the run's seed. Under
     * EMA updates the running sums start there too (count 1 each). The outputs are the inference mode's: with batch
     * norm in the encoder, those of its first training steps (batch statistics) differ from them.
     */
    const placeCodebook = async (train: ImageSplit) => {
      const plan = codebookStart(k, d);
      // The encoder's outputs for training images drawn by the run's seed, enough for the plan's rows.
      const images = Math.min(train.count, Math.ceil(plan.rows / m.positions));
      const drawn = shuffledIndices(train.count, createRng(deriveSeed(seed, 0xc0de1))).subarray(0, images);
      const rows = await readSplit(subsetSplit(train, drawn), pixels, m.positions * d, encode);
      const n = rows.length / d;
      if (n < k) {
        throw new Error(
          `model.codebookInit: placing ${k} codes (model.codebookSize) needs at least ${k} encoder outputs, and ${train.count} training images give ${n}`,
        );
      }
      const start =
        plan.method === 'kmeans'
          ? Float32Array.from(
              kMeans({ values: rows, dim: d }, k, {
                restarts: 1,
                maxIterations: codebookInitIterations,
                seed: deriveSeed(seed, 0xc0de2),
              }).centroids,
            )
          : pickRows(rows, d, shuffledIndices(n, createRng(deriveSeed(seed, 0xc0de2))).subarray(0, k));
      tf.tidy(() => {
        codebook.assign(tf.tensor2d(start, [k, d]));
        emaCount.assign(tf.onesLike(emaCount));
        emaSum.assign(tf.clone(codebook));
      });
      unplaced = false;
    };

    /** Codes no input chose since the last re-seed move onto random encoder outputs of the latest batch. */
    const reseed = () =>
      tf.tidy(() => {
        if (!lastEncoded) return;
        const rows = lastEncoded.shape[0] ?? 1;
        const pick = tf.randomUniform([k], 0, rows, 'int32', deriveSeed(seed ^ 0xc0de, reseeds++));
        const dead = tf.equal(chosen, 0);
        codebook.assign(tf.where(tf.broadcastTo(tf.expandDims(dead, 1), [k, d]), tf.gather(lastEncoded, pick), codebook));
        // Under EMA updates the running sums follow, so the next update keeps the re-seeded vectors (count 1 each).
        if (ema) {
          emaCount.assign(tf.where(dead, tf.onesLike(emaCount), emaCount));
          emaSum.assign(tf.mul(codebook, tf.expandDims(emaCount, 1)));
        }
        chosen.assign(tf.zerosLike(chosen));
      });

    return {
      async beforeEpoch(_epoch, { train }) {
        if (unplaced) await placeCodebook(train);
      },
      onStep(epoch) {
        if (m.reseedDeadCodes && Math.floor(epoch) > lastEpoch) reseed();
        lastEpoch = Math.floor(epoch);
      },
      // Code usage since the last re-seed, the latest batch's codes (re-seeding draws from them), the re-seeds so far.
      async state() {
        return {
          usage: Array.from(await chosen.data()),
          unplaced,
          lastEpoch,
          reseeds,
          lastEncoded: lastEncoded ? { shape: lastEncoded.shape, values: Array.from(await lastEncoded.data()) } : null,
        };
      },
      restore(state) {
        tf.tidy(() => chosen.assign(tf.tensor1d(state['usage'] as number[])));
        lastEpoch = Number(state['lastEpoch']);
        // A checkpoint is written after steps, so the codebook it holds was placed (or the option is newer than it).
        unplaced = state['unplaced'] === true;
        reseeds = Number(state['reseeds'] ?? 0);
        const saved = state['lastEncoded'] as { shape: number[]; values: number[] } | null;
        lastEncoded?.dispose();
        lastEncoded = saved ? tf.keep(tf.tensor(Float32Array.from(saved.values), saved.shape)) : undefined;
      },
      computeLoss(x, training) {
        const ze = encode(x);
        const { indices, oneHot, zq } = quantise(ze);
        if (training) {
          chosen.assign(tf.add(chosen, tf.sum(oneHot, 0)));
          lastEncoded?.dispose();
          lastEncoded = tf.keep(tf.clone(stopGradient(ze)));
        }
        void indices;
        // Straight-through estimator: forward uses z_q, backward copies the gradient to z_e.
        const zst = tf.add(ze, stopGradient(tf.sub(zq, ze)));
        const reconstruction = recon(x, decoder.apply(tf.reshape(zst, [batchOf(x), -1])) as Tensor);
        const codebookLoss = tf.mean<Scalar>(tf.squaredDifference(stopGradient(ze), zq));
        const commitmentLoss = tf.mean<Scalar>(tf.squaredDifference(ze, stopGradient(zq)));
        // With EMA updates the codebook is not trained by the loss: only the encoder's commitment is.
        const total = tf.addN(
          ema
            ? [reconstruction, tf.mul(m.commitment, commitmentLoss)]
            : [reconstruction, codebookLoss, tf.mul(m.commitment, commitmentLoss)],
        ) as Scalar;
        const { perplexity, usage } = codeUsage(oneHot);
        return {
          total,
          parts: { reconstruction, codebook: codebookLoss, commitment: commitmentLoss, perplexity, codebook_usage: usage },
        };
      },
      // van den Oord et al. 2017, appendix A.1: N_i ← γN_i + (1 − γ)n_i, m_i ← γm_i + (1 − γ)Σ z_e, e_i = m_i / N_i, the
      // counts Laplace-smoothed (ε = 1e-5) so an unused code keeps a finite vector.
      ...(ema
        ? {
            // From the step's own forward pass (Sonnet's VectorQuantizerEMA): the encodings before the optimizer moved
            // the encoder, and no second pass in training mode (which would move batch norm's statistics twice).
            afterStep() {
              if (!lastEncoded) return;
              const ze = lastEncoded;
              const { oneHot } = quantise(ze);
              emaCount.assign(tf.add(tf.mul(decay, emaCount), tf.mul(1 - decay, tf.sum(oneHot, 0))));
              emaSum.assign(tf.add(tf.mul(decay, emaSum), tf.mul(1 - decay, tf.matMul(oneHot, ze, true, false))));
              const n = tf.sum(emaCount);
              const smoothed = tf.mul(tf.div(tf.add(emaCount, 1e-5), tf.add(n, k * 1e-5)), n);
              codebook.assign(tf.div(emaSum, tf.expandDims(smoothed, 1)));
            },
          }
        : {}),
      reconstruct: (x) => decoder.apply(tf.reshape(quantise(encode(x)).zq, [batchOf(x), -1])) as Tensor,
      // The code is the grid of quantised vectors, flat: positions × code size.
      encode: (x) => tf.reshape(quantise(encode(x)).zq, [batchOf(x), -1]),
      decode: (z) => decoder.apply(z) as Tensor,
      codeGrid: {
        codebookSize: k,
        grid: codeGridShape(m),
        indices: (x) => tf.reshape(quantise(encode(x)).indices, [batchOf(x), m.positions]),
        decodeIndices: (indices) =>
          decoder.apply(tf.reshape(tf.gather(codebook, tf.reshape(indices, [-1])), [indices.shape[0] ?? 0, -1])) as Tensor,
      },
      trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights, ...(ema ? [] : [codebookWeight])],
      weights: () => [...encoder.weights, ...decoder.weights, codebookWeight, ...emaWeights],
      summary: () => [...summarize(encoder, decoder), { name: 'codebook', outputShape: [k, d], params: k * d }],
      // The encoder's output, read as `positions` rows of `codeSize`, each replaced by its nearest codebook row, is the decoder's input.
      layersModels: () => ({ encoder, decoder }),
      exportArrays: () => ({ codebook }),
      exportNotes: () => ({
        encoder: `x → ${m.positions * m.codeSize} columns, read as ${m.positions} rows of ${m.codeSize}`,
        codebook: `${k} × ${d}: each encoder row is replaced by its nearest codebook row (Euclidean); the ${m.positions} rows chosen, flat, are the decoder's input`,
        decoder: 'the quantised code, flat → image, flat',
      }),
      dispose() {
        tf.dispose([chosen, codebook]);
        lastEncoded?.dispose();
        tf.dispose([emaCount, emaSum]);
        encoder.dispose();
        decoder.dispose();
      },
      async views({ sample }): Promise<ChartView[]> {
        const counts = await readFloats(() => tf.sum(quantise(encode(sample)).oneHot, 0));
        const used = counts.filter((c) => c > 0).length;
        return [
          {
            kind: 'code-usage',
            chart: 'histogram',
            axis: 'code (codebook index)',
            caption: `How often each of the ${k} codes is chosen over ${sample.shape[0]} test images: ${used} in use`,
            bins: Array.from(counts, (count, i) => ({ from: i, to: i + 1, count })),
          },
        ];
      },
    };
  },
};
