/**
 * The worker side of an explorer session: a run's model rebuilt at a checkpoint, held while the session lives,
 * decoding rows of codes and encoding test images on request. Pure of IPC: the worker's handlers (src/core/worker) route the messages.
 */
import type { BuiltModel } from '../../families/family-model';
import { classCount, pixelsPerImage, type ImageDataset } from '../../ml/dataset';
import { encodeImages } from '../evaluation/evaluate';
import { toBytes } from '../training/images';
import type { ExplorerModelInfo } from '../training/protocol';
import { readFloats } from '../../ml/read';
import { tf } from '../../ml/tf';

/** Test codes the sliders' ranges are measured on (evenly spaced over the test split). */
const spreadImages = 1000;
/** Draws of a model's own prior an explorer session holds for "sample the prior". */
const explorerPriorDraws = 100;

export interface ExplorerModel {
  model: BuiltModel;
  dataset: ImageDataset;
  family: string;
}

/** The model's shape as the explorer sees it, and the spread of its test codes per dimension. */
export async function describeExplorer({ model, dataset, family }: ExplorerModel): Promise<ExplorerModelInfo> {
  if (!model.encode || !model.decode) {
    throw new Error(`the ${family} family has no encoder and decoder of one code per image: it cannot be explored`);
  }
  const n = Math.min(spreadImages, dataset.test.count);
  if (n === 0) throw new Error('the run’s test split is empty: there is no code to start the sliders from');
  const { codes, dim } = await encodeImages(
    model,
    family,
    dataset,
    dataset.test,
    // Spread over the whole split: a pair of sets' test split is A's images then B's, and some splits are by class.
    Uint32Array.from({ length: n }, (_, i) => Math.floor((i * dataset.test.count) / n)),
  );
  const spread = { mean: [] as number[], std: [] as number[], min: [] as number[], max: [] as number[] };
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = codes[i * dim + d] as number;
      sum += v;
      sq += v * v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const mean = sum / n;
    spread.mean.push(mean);
    spread.std.push(Math.sqrt(Math.max(0, sq / n - mean * mean)));
    spread.min.push(lo);
    spread.max.push(hi);
  }
  return {
    latentSize: dim,
    conditional: model.conditional ?? false,
    classes: classCount(dataset),
    labelNames: dataset.labelNames,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    testCount: dataset.test.count,
    spread,
    priorDraws: await priorDraws(model, dim),
  };
}

/** The model's own prior, drawn once (seed 1) as rows of codes; null when it samples N(0, I). */
async function priorDraws(model: BuiltModel, dim: number): Promise<number[][] | null> {
  const sample = model.samplePrior?.bind(model);
  if (!sample) return null;
  const flat = await readFloats(() => sample(explorerPriorDraws, 1));
  return Array.from({ length: explorerPriorDraws }, (_, i) => Array.from(flat.subarray(i * dim, (i + 1) * dim)));
}

/**
 * Decodes rows of codes (with a label per row for a conditional model) into 8-bit images, HWC, one after another:
 * the model's `decode`, then each value rounded as the studio's image views round it.
 */
export async function decodeRows(
  { model, dataset }: ExplorerModel,
  latentSize: number,
  z: number[][],
  labels?: number[],
): Promise<Uint8Array> {
  if (!model.decode) throw new Error('this model has no decoder');
  const rows = z.length;
  const flat = new Float32Array(rows * latentSize);
  z.forEach((row, i) => {
    if (row.length !== latentSize) throw new Error(`z[${i}]: expected ${latentSize} numbers, got ${row.length}`);
    flat.set(row, i * latentSize);
  });
  let oneHot: Float32Array | undefined;
  if (model.conditional) {
    const classes = Math.max(classCount(dataset), 1);
    if (!labels || labels.length !== rows) throw new Error(`labels: this model is conditional: give one label per row of z`);
    oneHot = new Float32Array(rows * classes);
    labels.forEach((l, i) => {
      if (!Number.isInteger(l) || l < 0 || l >= classes) throw new Error(`labels[${i}]: ${l} is not one of 0–${classes - 1}`);
      (oneHot as Float32Array)[i * classes + l] = 1;
    });
  }
  const values = await readFloats(() => {
    const zt = tf.tensor2d(flat, [rows, latentSize]);
    const lt = oneHot ? tf.tensor2d(oneHot, [rows, oneHot.length / rows]) : undefined;
    return model.decode!(zt, lt);
  });
  const expected = rows * pixelsPerImage(dataset);
  if (values.length !== expected) {
    throw new Error(`the decoder gave ${values.length / rows} values per image, the data set's images have ${expected / rows}`);
  }
  return toBytes(values);
}

/** The codes of test images by index, with their labels and their 8-bit pixels. */
export async function encodeTest(
  { model, dataset, family }: ExplorerModel,
  indices: number[],
): Promise<{ codes: Float32Array; dim: number; labels: number[] | null; images: Uint8Array }> {
  const count = dataset.test.count;
  indices.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new Error(`indices[${i}]: ${index} is not an image of the test split (0–${count - 1})`);
    }
  });
  const at = Uint32Array.from(indices);
  const { codes, dim } = await encodeImages(model, family, dataset, dataset.test, at);
  const images = new Uint8Array(indices.length * pixelsPerImage(dataset));
  dataset.test.readBytes(at, images);
  const labels = dataset.test.labels;
  return { codes, dim, labels: labels ? indices.map((i) => labels[i] as number) : null, images };
}
