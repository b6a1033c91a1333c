/**
 * A rebuilt model's codes of a split (posterior means for VAEs), batch by batch, and the factor source the
 * disentanglement scores draw from: what the evaluation, the explorer and `export --latents` encode with.
 */
import type { DatasetFactor } from '../../shared/api';
import type { BuiltModel } from '../../families/family-model';
import type { FactorSource } from '../../analysis/factor-source';
import type { ImageGenerator } from '../datasets/generators/generator';
import {
  bytesToFloats,
  classCount,
  fillBatch,
  fillOneHot,
  pixelsPerImage,
  type ImageDataset,
  type ImageSplit,
} from '../../ml/dataset';
import type { TestLatents } from '../training/protocol';
import { readFloats } from '../../ml/read';
import { tf } from '../../ml/tf';

/** Images per encode call. */
const encodeBatch = 256;

export function allIndices(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

export function pixelsOf(split: ImageSplit, pixels: number, indices: Uint32Array): Float32Array {
  const out = new Float32Array(indices.length * pixels);
  fillBatch(split, pixels, indices, out);
  return out;
}

/** The model's codes of the chosen images of a split, row-major [indices.length, dim]. */
export async function encodeImages(
  model: BuiltModel,
  family: string,
  dataset: ImageDataset,
  split: ImageSplit,
  indices: Uint32Array,
): Promise<{ codes: Float32Array; dim: number }> {
  if (!model.encode)
    throw new Error(`the ${family} family has no encoder that gives one code per image, so it has no codes to evaluate`);
  const pixels = pixelsPerImage(dataset);
  const classes = Math.max(classCount(dataset), 1);
  const x = new Float32Array(encodeBatch * pixels);
  const oneHot = new Float32Array(encodeBatch * classes);
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let start = 0; start < indices.length; start += encodeBatch) {
    const batch = indices.subarray(start, start + encodeBatch);
    const n = batch.length;
    fillBatch(split, pixels, batch, x);
    if (model.conditional) fillOneHot(split, classes, batch, oneHot);
    const codes = await readFloats(() => {
      const xt = tf.tensor2d(x.slice(0, n * pixels), [n, pixels]);
      const labels = model.conditional ? tf.tensor2d(oneHot.slice(0, n * classes), [n, classes]) : undefined;
      return model.encode!(xt, labels);
    });
    dim = codes.length / n;
    parts.push(codes);
  }
  const codes = new Float32Array(indices.length * dim);
  parts.forEach((p, i) => codes.set(p, i * encodeBatch * dim));
  return { codes, dim };
}

/** The codes of flat images in [0,1] ([n, pixels]) with their one-hot labels for conditional models. */
export async function encodeFloats(
  model: BuiltModel,
  x: Float32Array,
  n: number,
  pixels: number,
  oneHot?: Float32Array,
): Promise<Float32Array> {
  const classes = oneHot ? oneHot.length / n : 0;
  const out: Float32Array[] = [];
  for (let start = 0; start < n; start += encodeBatch) {
    const m = Math.min(encodeBatch, n - start);
    out.push(
      await readFloats(() => {
        const xt = tf.tensor2d(x.subarray(start * pixels, (start + m) * pixels), [m, pixels]);
        const labels = oneHot ? tf.tensor2d(oneHot.subarray(start * classes, (start + m) * classes), [m, classes]) : undefined;
        return model.encode!(xt, labels);
      }),
    );
  }
  const dim = out[0] ? out[0].length / Math.min(encodeBatch, n) : 0;
  const codes = new Float32Array(n * dim);
  out.forEach((part, i) => codes.set(part, i * encodeBatch * dim));
  return codes;
}

/**
 * The generator as the β-VAE and FactorVAE scores see it: factor vectors drawn as the generator draws them, and
 * the model's codes of images rendered from any factors (disentanglement_lib's ground-truth data `sample_factors`
 * and `sample_observations_from_factors`).
 */
export function generatorFactorSource(
  model: BuiltModel,
  family: string,
  renderer: { generator: ImageGenerator; identity: number },
  classes: number,
): FactorSource {
  if (!model.encode)
    throw new Error(`the ${family} family has no encoder that gives one code per image, so it has no codes to evaluate`);
  const { generator, identity } = renderer;
  const pixels = generator.height * generator.width * generator.channels;
  const image = new Uint8Array(pixels);
  return {
    numFactors: generator.factors.length,
    sampleFactors: (n, rng) => Array.from({ length: n }, () => generator.draw(rng)),
    encodeFactors(factors) {
      const n = factors.length;
      const x = new Float32Array(n * pixels);
      const oneHot = model.conditional ? new Float32Array(n * Math.max(classes, 1)) : undefined;
      factors.forEach((f, i) => {
        generator.render(f, identity, image);
        bytesToFloats(image, pixels, x.subarray(i * pixels, (i + 1) * pixels));
        if (oneHot) oneHot[i * Math.max(classes, 1) + (generator.label(f) ?? 0)] = 1;
      });
      return encodeFloats(model, x, n, pixels, oneHot);
    },
  };
}

/** The codes of the whole test split with its labels and factors: what `export --latents` writes. */
export async function testLatents(
  model: BuiltModel,
  family: string,
  dataset: ImageDataset,
  factors: DatasetFactor[],
): Promise<TestLatents> {
  const test = dataset.test;
  const { codes, dim } = await encodeImages(model, family, dataset, test, allIndices(test.count));
  return {
    codes,
    dim,
    count: test.count,
    labels: test.labels,
    factors: test.factors,
    factorNames: test.factors ? factors.map((f) => f.name) : [],
    clusters: await clustersOf(model, codes, dim, test.count),
  };
}

/** Each code's cluster, batch by batch, where the model has clusters now; null where it has none. */
async function clustersOf(model: BuiltModel, codes: Float32Array, dim: number, count: number): Promise<Int32Array | null> {
  const assign = model.clusterOf?.() ?? null;
  if (!assign) return null;
  const out = new Int32Array(count);
  for (let start = 0; start < count; start += encodeBatch) {
    const m = Math.min(encodeBatch, count - start);
    const part = await readFloats(() => assign(tf.tensor2d(codes.subarray(start * dim, (start + m) * dim), [m, dim])));
    out.set(Int32Array.from(part), start);
  }
  return out;
}
