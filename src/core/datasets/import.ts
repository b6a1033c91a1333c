import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { ImportRequest } from '../../shared/api';
import { createRng, shuffledIndices } from '../training/random';
import { DatasetFileError, parseIdx, readDataFile } from './idx';
import { parseNpy } from './npy';
import type { DatasetStore, Manifest } from './store';

export type ImportProgress = (done: number, total: number) => void;

const defaultTestFraction = 0.1;
const imageExtensions = /\.(png|jpe?g|webp|gif|tiff?|bmp)$/i;

/** A name for a set imported from `path` when the user gave none: the file or folder name, made safe. */
export function suggestedName(path: string): string {
  const base = basename(resolve(path))
    .replace(/\.(gz|npy|idx\d?-ubyte|ubyte)$/gi, '')
    .replace(/\.(npy|idx\d?-ubyte|ubyte)$/gi, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 64);
  return base || 'imported';
}

/** An array of images as the IDX and NPY readers give it: N images of H x W x C, read one at a time. */
interface ImageArray {
  file: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Image i as HWC bytes. */
  image(i: number, out: Uint8Array): void;
}

function idxImages(file: string, bytes: Uint8Array): ImageArray {
  const { dims, data } = parseIdx(bytes, file);
  const [count = 0, height = 0, width = 0, channels = 1] = dims;
  if (dims.length < 3 || ![1, 3].includes(channels)) {
    throw new DatasetFileError(
      file,
      `holds an array of ${dims.join(' x ')}; images must be N x H x W or N x H x W x C (C = 1 or 3)`,
    );
  }
  const pixels = height * width * channels;
  return { file, count, height, width, channels, image: (i, out) => out.set(data.subarray(i * pixels, (i + 1) * pixels)) };
}

function npyImages(file: string, bytes: Uint8Array): ImageArray {
  const a = parseNpy(bytes, file);
  const s = a.shape;
  let layout: 'hwc' | 'chw';
  let [count = 0, height = 0, width = 0, channels = 1] = s;
  if (s.length === 3) layout = 'hwc';
  else if (s.length === 4 && [1, 3].includes(s[3] as number)) layout = 'hwc';
  else if (s.length === 4 && [1, 3].includes(s[1] as number)) {
    layout = 'chw';
    [count = 0, channels = 1, height = 0, width = 0] = s;
  } else {
    throw new DatasetFileError(
      file,
      `holds an array of shape (${s.join(', ')}); images must be N x H x W, N x H x W x C or N x C x H x W (C = 1 or 3)`,
    );
  }
  // Floats in [0, 1] are scaled to bytes; anything else must already be 0..255.
  let scale = 1;
  if (a.dtype.startsWith('f')) {
    let max = 0;
    for (let i = 0; i < a.size; i++) {
      const v = a.get(i);
      if (!Number.isFinite(v)) throw new DatasetFileError(file, `element ${i} is ${v}: images must be finite`);
      if (v > max) max = v;
    }
    scale = max <= 1 ? 255 : 1;
  }
  const pixels = height * width * channels;
  const plane = height * width;
  return {
    file,
    count,
    height,
    width,
    channels,
    image(n, out) {
      if (a.bytes && layout === 'hwc') {
        out.set(a.bytes.subarray(n * pixels, (n + 1) * pixels));
        return;
      }
      for (let j = 0; j < pixels; j++) {
        // out is HWC; the source element is at the same place (hwc) or at c * H*W + p (chw).
        const src = layout === 'hwc' ? j : (j % channels) * plane + Math.floor(j / channels);
        const v = Math.round(a.get(n * pixels + src) * scale);
        if (v < 0 || v > 255 || Number.isNaN(v)) {
          throw new DatasetFileError(
            file,
            `image ${n} holds ${a.get(n * pixels + src)}: values must be 0..255 (or floats in 0..1)`,
          );
        }
        out[j] = v;
      }
    },
  };
}

/** Reads an IDX (raw or gzipped) or NPY file of images, by its magic number. */
function readImageArray(file: string): ImageArray {
  const bytes = readDataFile(file);
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return npyImages(file, bytes);
  if (bytes[0] === 0 && bytes[1] === 0) return idxImages(file, bytes);
  throw new DatasetFileError(file, 'wrong magic number: not an IDX or NPY file (to import images, import their folder)');
}

/** Reads a labels file (IDX or NPY, one integer 0..255 per image). */
function readLabels(file: string, count: number): Uint8Array {
  const bytes = readDataFile(file);
  let values: ArrayLike<number>;
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) {
    const a = parseNpy(bytes, file);
    if (a.shape.length !== 1 && !(a.shape.length === 2 && a.shape[1] === 1)) {
      throw new DatasetFileError(file, `labels must be a vector of N integers, found shape (${a.shape.join(', ')})`);
    }
    values = Array.from({ length: a.size }, (_, i) => a.get(i));
  } else if (bytes[0] === 0 && bytes[1] === 0) {
    const { dims, data } = parseIdx(bytes, file);
    if (dims.length !== 1) throw new DatasetFileError(file, `labels must be a vector of N integers, found ${dims.join(' x ')}`);
    values = data;
  } else {
    throw new DatasetFileError(file, 'wrong magic number: not an IDX or NPY labels file');
  }
  if (values.length !== count) throw new DatasetFileError(file, `holds ${values.length} labels for ${count} images`);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || v < 0 || v > 255)
      throw new DatasetFileError(file, `label ${i} is ${v}: labels must be integers 0..255`);
    labels[i] = v;
  }
  return labels;
}

interface Plan {
  count: number;
  /** Stored position of each source image: train first, then test. */
  position: Uint32Array;
  trainCount: number;
  testCount: number;
  description: string;
}

/** A train/test split fixed by a seed; within each split, images keep their source order. */
export function seededSplit(count: number, testFraction: number, seed: number, what: string): Plan {
  const testCount = Math.max(1, Math.round(count * testFraction));
  if (count < 2 || testCount >= count) {
    throw new DatasetFileError(
      what,
      `holds ${count} image${count === 1 ? '' : 's'}: a data set needs at least one training and one test image`,
    );
  }
  const order = shuffledIndices(count, createRng(seed));
  const isTest = new Uint8Array(count);
  for (let i = 0; i < testCount; i++) isTest[order[i] as number] = 1;
  const position = new Uint32Array(count);
  let train = 0;
  let test = count - testCount;
  for (let i = 0; i < count; i++) position[i] = isTest[i] ? test++ : train++;
  return {
    count,
    position,
    trainCount: count - testCount,
    testCount,
    description: `seed ${seed}: ${Math.round(testFraction * 1000) / 10}% test (${testCount} of ${count})`,
  };
}

/** What every source turns into: decoded images, resized and with the channel count asked for. */
interface Target {
  height: number;
  width: number;
  channels: number;
}

async function convert(bytes: Uint8Array, from: Target, to: Target): Promise<Uint8Array> {
  if (from.height === to.height && from.width === to.width && from.channels === to.channels) return bytes;
  let img = sharp(bytes, { raw: { width: from.width, height: from.height, channels: from.channels as 1 | 3 } });
  if (from.height !== to.height || from.width !== to.width) img = img.resize(to.width, to.height, { fit: 'cover' });
  img = to.channels === 1 ? img.grayscale() : img.toColourspace('srgb');
  return new Uint8Array(await img.raw().toBuffer());
}

function targetOf(req: ImportRequest, first: Target): Target {
  const channels = req.channels === undefined || req.channels === 'auto' ? first.channels : req.channels;
  return req.size ? { height: req.size, width: req.size, channels } : { ...first, channels };
}

async function writeArrays(
  store: DatasetStore,
  name: string,
  req: ImportRequest,
  parts: { array: ImageArray; labels: Uint8Array | null }[],
  plan: Plan,
  meta: { source: string; description: string },
  progress?: ImportProgress,
): Promise<Manifest> {
  const first = parts[0]!.array;
  for (const p of parts) {
    if (p.array.height !== first.height || p.array.width !== first.width || p.array.channels !== first.channels) {
      throw new DatasetFileError(
        p.array.file,
        `holds ${p.array.height}x${p.array.width}x${p.array.channels} images, ${basename(first.file)} ${first.height}x${first.width}x${first.channels}`,
      );
    }
  }
  const target = targetOf(req, first);
  const labelled = parts.every((p) => p.labels);
  let maxLabel = -1;
  for (const p of parts) for (const l of p.labels ?? []) maxLabel = Math.max(maxLabel, l);
  const writer = store.create(name, { ...target, count: plan.count });
  try {
    const buf = new Uint8Array(first.height * first.width * first.channels);
    let source = 0;
    for (const { array, labels } of parts) {
      for (let i = 0; i < array.count; i++, source++) {
        array.image(i, buf);
        writer.put(plan.position[source] as number, await convert(buf, first, target), labels?.[i] ?? null, source);
        if (source % 2000 === 0) {
          progress?.(source, plan.count);
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    }
    progress?.(plan.count, plan.count);
    return writer.commit({
      title: name,
      kind: 'imported',
      description: meta.description,
      source: meta.source,
      trainCount: plan.trainCount,
      testCount: plan.testCount,
      labelNames: labelled ? Array.from({ length: maxLabel + 1 }, (_, i) => String(i)) : null,
      factors: [],
      twin: null,
      split: plan.description,
    });
  } catch (e) {
    writer.abort();
    throw e;
  }
}

const idxNames = {
  trainImages: /^train-images[-.]idx[34]-ubyte(\.gz)?$/,
  trainLabels: /^train-labels[-.]idx1-ubyte(\.gz)?$/,
  testImages: /^(t10k|test)-images[-.]idx[34]-ubyte(\.gz)?$/,
  testLabels: /^(t10k|test)-labels[-.]idx1-ubyte(\.gz)?$/,
};

/** A folder of MNIST-style IDX files (train-images-idx3-ubyte[.gz] …): the official split is kept. */
async function importIdxFolder(
  store: DatasetStore,
  name: string,
  req: ImportRequest,
  dir: string,
  entries: string[],
  progress?: ImportProgress,
): Promise<Manifest> {
  const find = (re: RegExp) => entries.find((e) => re.test(e));
  const trainFile = find(idxNames.trainImages);
  if (!trainFile) throw new DatasetFileError(dir, 'holds IDX files but no train-images-idx3-ubyte[.gz]');
  const load = (images: string, labels: string | undefined) => {
    const array = readImageArray(join(dir, images));
    return { array, labels: labels ? readLabels(join(dir, labels), array.count) : null };
  };
  const train = load(trainFile, find(idxNames.trainLabels));
  const testFile = find(idxNames.testImages);
  if (testFile) {
    const test = load(testFile, find(idxNames.testLabels));
    const count = train.array.count + test.array.count;
    const plan: Plan = {
      count,
      position: Uint32Array.from({ length: count }, (_, i) => i),
      trainCount: train.array.count,
      testCount: test.array.count,
      description: `the files' own split (${train.array.count} train / ${test.array.count} test)`,
    };
    return writeArrays(store, name, req, [train, test], plan, { source: resolve(dir), description: 'IDX files' }, progress);
  }
  const plan = seededSplit(train.array.count, req.testFraction ?? defaultTestFraction, req.seed ?? 0, train.array.file);
  return writeArrays(store, name, req, [train], plan, { source: resolve(dir), description: 'IDX files' }, progress);
}

/** A folder of images; sub-folder names are the labels (sorted, numbers in numeric order). */
async function importImageFolder(
  store: DatasetStore,
  name: string,
  req: ImportRequest,
  dir: string,
  progress?: ImportProgress,
): Promise<Manifest> {
  const visible = (d: string) => readdirSync(d).filter((e) => !e.startsWith('.'));
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  const walk = (d: string): string[] =>
    visible(d)
      .sort(byName)
      .flatMap((e) => (statSync(join(d, e)).isDirectory() ? walk(join(d, e)) : [join(d, e)]));
  const top = visible(dir).sort(byName);
  const classDirs = top.filter((e) => statSync(join(dir, e)).isDirectory());
  const looseFiles = top.filter((e) => !classDirs.includes(e));
  if (classDirs.length > 0 && looseFiles.length > 0) {
    throw new DatasetFileError(
      join(dir, looseFiles[0] as string),
      'lies beside label folders: put every image in a label folder, or use no folders for an unlabelled set',
    );
  }
  if (classDirs.length > 256) throw new DatasetFileError(dir, `has ${classDirs.length} label folders; at most 256 are supported`);
  const files: { file: string; label: number | null }[] =
    classDirs.length > 0
      ? classDirs.flatMap((c, label) => walk(join(dir, c)).map((file) => ({ file, label })))
      : looseFiles.map((f) => ({ file: join(dir, f), label: null }));
  if (files.length === 0) throw new DatasetFileError(dir, 'holds no images');

  // First pass: headers only. Every file must be an image, of one channel count and one size unless converted.
  const metas: Target[] = [];
  for (const { file } of files) {
    if (statSync(file).size === 0) throw new DatasetFileError(file, 'is empty (0 bytes)');
    let m: Metadata;
    try {
      m = await sharp(file).metadata();
    } catch (e) {
      const hint = imageExtensions.test(file) ? 'cannot be decoded' : 'is not an image';
      throw new DatasetFileError(file, `${hint} (PNG or JPEG expected): ${(e as Error).message}`);
    }
    const colour = (m.channels ?? 3) - (m.hasAlpha ? 1 : 0);
    metas.push({ height: m.height ?? 0, width: m.width ?? 0, channels: colour >= 3 ? 3 : 1 });
  }
  const first = metas[0] as Target;
  const firstFile = relative(dir, files[0]!.file);
  metas.forEach((m, i) => {
    const file = files[i]!.file;
    if ((req.channels === undefined || req.channels === 'auto') && m.channels !== first.channels) {
      const kind = (c: number) => (c === 1 ? 'grayscale' : 'RGB');
      throw new DatasetFileError(
        file,
        `is ${kind(m.channels)} but ${firstFile} is ${kind(first.channels)}: images of one set need one channel count (choose 1 or 3 channels to convert them)`,
      );
    }
    if (!req.size && (m.height !== first.height || m.width !== first.width)) {
      throw new DatasetFileError(
        file,
        `is ${m.width}x${m.height} but ${firstFile} is ${first.width}x${first.height}: choose a size to resize them to`,
      );
    }
  });
  const target = targetOf(req, first);
  const plan = seededSplit(files.length, req.testFraction ?? defaultTestFraction, req.seed ?? 0, dir);
  const writer = store.create(name, { ...target, count: plan.count });
  try {
    const decode = async (file: string) => {
      let img = sharp(file).flatten({ background: '#000000' });
      if (req.size) img = img.resize(target.width, target.height, { fit: 'cover' });
      img = target.channels === 1 ? img.grayscale() : img.toColourspace('srgb');
      try {
        return new Uint8Array(await img.raw().toBuffer());
      } catch (e) {
        throw new DatasetFileError(file, `cannot be decoded: ${(e as Error).message}`);
      }
    };
    const chunk = 16;
    for (let start = 0; start < files.length; start += chunk) {
      const batch = files.slice(start, start + chunk);
      const decoded = await Promise.all(batch.map((f) => decode(f.file)));
      decoded.forEach((bytes, k) => {
        const source = start + k;
        writer.put(plan.position[source] as number, bytes, batch[k]!.label, source);
      });
      progress?.(Math.min(files.length, start + chunk), files.length);
    }
    return writer.commit({
      title: name,
      kind: 'imported',
      description: classDirs.length > 0 ? `images in ${classDirs.length} label folders` : 'images (unlabelled)',
      source: resolve(dir),
      trainCount: plan.trainCount,
      testCount: plan.testCount,
      labelNames: classDirs.length > 0 ? classDirs : null,
      factors: [],
      twin: null,
      split: plan.description,
      files: files.map((f) => relative(dir, f.file)),
    });
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/**
 * Imports a folder of images (sub-folders = labels), a folder of IDX files, or one IDX (raw or gzipped)
 * or NPY file with an optional labels file. Everything is checked before the set appears under its name;
 * a refusal names the file at fault.
 */
export async function importDataset(
  store: DatasetStore,
  req: ImportRequest,
  name: string,
  progress?: ImportProgress,
): Promise<Manifest> {
  const path = resolve(req.path);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new DatasetFileError(path, 'does not exist');
  }
  if (stat.isDirectory()) {
    const entries = readdirSync(path).filter((e) => !e.startsWith('.'));
    if (entries.some((e) => idxNames.trainImages.test(e) || idxNames.testImages.test(e))) {
      return importIdxFolder(store, name, req, path, entries, progress);
    }
    return importImageFolder(store, name, req, path, progress);
  }
  const array = readImageArray(path);
  const labels = req.labelsPath ? readLabels(resolve(req.labelsPath), array.count) : null;
  const plan = seededSplit(array.count, req.testFraction ?? defaultTestFraction, req.seed ?? 0, path);
  const kind = /\.npy$/i.test(path) ? 'NPY array' : 'IDX file';
  return writeArrays(store, name, req, [{ array, labels }], plan, { source: path, description: kind }, progress);
}
