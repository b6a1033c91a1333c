import { basename, join, relative, resolve } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { ImportRequest } from '../../shared/api';
import { createRng, shuffledIndices } from '../../shared/random';
import { DatasetFileError } from './idx';
import { readImageArray, readLabels, type ImageArray } from './image-arrays';
import { folderEntries, folderEntry, givenPath, notRegular } from './import-paths';
import type { DatasetStore, Manifest } from './store';

/** libvips' message, as one clause: its lines joined, the trailing colon it leaves before a detail it omits dropped. */
function decoderMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ')
    .replace(/[:;\s]+$/, '');
}

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
  // Each split is stored in the seeded order, not the source's: a folder's images come label by label (and many
  // arrays come sorted by class), and a run that takes the first N images of a split must get every label.
  const position = new Uint32Array(count);
  let train = 0;
  let test = count - testCount;
  for (const i of order) position[i] = isTest[i] ? test++ : train++;
  return {
    count,
    position,
    trainCount: count - testCount,
    testCount,
    // The share the split holds: a fraction too small for one image still gets one.
    description: `seed ${seed}: ${Math.round((testCount / count) * 1000) / 10}% test (${testCount} of ${count})`,
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

/** Whether labels come grouped by class (each class in one run, as sorted files are), some class more than once. */
function groupedByLabel(labels: Uint8Array | null): boolean {
  if (!labels || labels.length < 2) return false;
  let runs = 1;
  for (let i = 1; i < labels.length; i++) if (labels[i] !== labels[i - 1]) runs++;
  const classes = new Set(labels).size;
  return classes > 1 && runs === classes && labels.length > classes;
}

/**
 * Files with their own split keep it, and their order within each split (MNIST's order, say), unless their labels
 * come grouped by class: then each split is stored in a seeded order, since a run that takes the first N images of a
 * split must get every label.
 */
function ownSplit(
  train: { array: ImageArray; labels: Uint8Array | null },
  test: { array: ImageArray; labels: Uint8Array | null },
  seed: number,
): Plan {
  const [trainCount, testCount] = [train.array.count, test.array.count];
  const count = trainCount + testCount;
  const position = Uint32Array.from({ length: count }, (_, i) => i);
  const shuffled: string[] = [];
  for (const [part, offset, what] of [
    [train, 0, 'train'],
    [test, trainCount, 'test'],
  ] as const) {
    if (!groupedByLabel(part.labels)) continue;
    const order = shuffledIndices(part.array.count, createRng(seed));
    order.forEach((to, from) => (position[offset + from] = offset + to));
    shuffled.push(what);
  }
  const own = `the files' own split (${trainCount} train / ${testCount} test)`;
  return {
    count,
    position,
    trainCount,
    testCount,
    description: shuffled.length
      ? `${own}; ${shuffled.join(' and ')} images sorted by label in the files, stored shuffled (seed ${seed})`
      : own,
  };
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
  const file = (name: string) => {
    const path = join(dir, name);
    if (folderEntry(dir, path).isDirectory()) throw new DatasetFileError(path, 'is a folder, not an IDX file');
    return path;
  };
  const load = (images: string, labels: string | undefined) => {
    const array = readImageArray(file(images));
    return { array, labels: labels ? readLabels(file(labels), array.count) : null };
  };
  const trainLabels = find(idxNames.trainLabels);
  const train = load(trainFile, trainLabels);
  const testFile = find(idxNames.testImages);
  if (testFile) {
    const testLabels = find(idxNames.testLabels);
    if (Boolean(trainLabels) !== Boolean(testLabels)) {
      const [has, lacks] = trainLabels
        ? [trainLabels, 't10k-labels-idx1-ubyte[.gz]']
        : [testLabels, 'train-labels-idx1-ubyte[.gz]'];
      throw new DatasetFileError(dir, `holds ${has} but no ${lacks}: give labels for both splits or for neither`);
    }
    const test = load(testFile, testLabels);
    const plan = ownSplit(train, test, req.seed ?? 0);
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
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  // Every entry is looked at with lstat and refused by path if it is a link out of the folder, to a folder, etc.
  const look = (d: string) =>
    folderEntries(dir, d)
      .sort(byName)
      .map((e) => ({ name: e, path: join(d, e), stats: folderEntry(dir, join(d, e)) }));
  type Found = { file: string; size: number };
  const walk = (d: string): Found[] =>
    look(d).flatMap((e) => (e.stats.isDirectory() ? walk(e.path) : [{ file: e.path, size: e.stats.size }]));
  const top = look(dir);
  const classDirs = top.filter((e) => e.stats.isDirectory()).map((e) => e.name);
  const looseFiles = top.filter((e) => !e.stats.isDirectory());
  if (classDirs.length > 0 && looseFiles.length > 0) {
    throw new DatasetFileError(
      looseFiles[0]!.path,
      'lies beside label folders: put every image in a label folder, or use no folders for an unlabelled set',
    );
  }
  if (classDirs.length > 256) throw new DatasetFileError(dir, `has ${classDirs.length} label folders; at most 256 are supported`);
  const files: (Found & { label: number | null })[] =
    classDirs.length > 0
      ? classDirs.flatMap((c, label) => walk(join(dir, c)).map((f) => ({ ...f, label })))
      : looseFiles.map((e) => ({ file: e.path, size: e.stats.size, label: null }));
  if (files.length === 0) throw new DatasetFileError(dir, 'holds no images');

  // First pass: headers only. Every file must be an image, of one channel count and one size unless converted.
  const metas: Target[] = [];
  for (const { file, size } of files) {
    if (size === 0) throw new DatasetFileError(file, 'is empty (0 bytes)');
    let m: Metadata;
    try {
      m = await sharp(file).metadata();
    } catch (e) {
      const hint = imageExtensions.test(file) ? 'cannot be decoded' : 'is not an image';
      throw new DatasetFileError(file, `${hint} (PNG or JPEG expected): ${decoderMessage(e)}`, relative(dir, file));
    }
    const colour = (m.channels ?? 3) - (m.hasAlpha ? 1 : 0);
    // As shown: a camera's EXIF orientation turns a 4000x3000 sensor image into a 3000x4000 photo.
    const shown = m.autoOrient ?? m;
    metas.push({ height: shown.height ?? 0, width: shown.width ?? 0, channels: colour >= 3 ? 3 : 1 });
  }
  const first = metas[0] as Target;
  const firstFile = relative(dir, files[0]!.file);
  metas.forEach((m, i) => {
    const file = files[i]!.file;
    // Both files by their paths within the folder: 'a/s32.png … a/s20x10.png', not one by name and one by path.
    const shown = relative(dir, file);
    if ((req.channels === undefined || req.channels === 'auto') && m.channels !== first.channels) {
      const kind = (c: number) => (c === 1 ? 'grayscale' : 'RGB');
      throw new DatasetFileError(
        file,
        `is ${kind(m.channels)} but ${firstFile} is ${kind(first.channels)}: images of one set need one channel count (choose 1 or 3 channels to convert them)`,
        shown,
      );
    }
    if (!req.size && (m.height !== first.height || m.width !== first.width)) {
      throw new DatasetFileError(
        file,
        `is ${m.width}x${m.height} but ${firstFile} is ${first.width}x${first.height}: choose a size to resize them to`,
        shown,
      );
    }
  });
  const target = targetOf(req, first);
  const plan = seededSplit(files.length, req.testFraction ?? defaultTestFraction, req.seed ?? 0, dir);
  const writer = store.create(name, { ...target, count: plan.count });
  try {
    const decode = async (file: string) => {
      let img = sharp(file, { autoOrient: true }).flatten({ background: '#000000' });
      if (req.size) img = img.resize(target.width, target.height, { fit: 'cover' });
      img = target.channels === 1 ? img.grayscale() : img.toColourspace('srgb');
      try {
        return new Uint8Array(await img.raw().toBuffer());
      } catch (e) {
        throw new DatasetFileError(file, `cannot be decoded: ${decoderMessage(e)}`, relative(dir, file));
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
  const { real, stats } = givenPath(path);
  if (stats.isDirectory()) {
    if (req.labelsPath) {
      throw new DatasetFileError(
        resolve(req.labelsPath),
        `a labels file goes with one IDX or NPY file; ${path} is a folder, whose labels are its sub-folders (or its IDX labels files)`,
      );
    }
    // A link to a folder is the user's choice: its real folder is the one walked, and nothing leads out of it.
    const entries = folderEntries(real, real);
    if (entries.some((e) => idxNames.trainImages.test(e) || idxNames.testImages.test(e))) {
      return importIdxFolder(store, name, req, real, entries, progress);
    }
    return importImageFolder(store, name, req, real, progress);
  }
  if (!stats.isFile()) throw new DatasetFileError(path, notRegular);
  const array = readImageArray(path);
  let labels: Uint8Array | null = null;
  if (req.labelsPath) {
    const labelsPath = resolve(req.labelsPath);
    const given = givenPath(labelsPath).stats;
    if (given.isDirectory()) throw new DatasetFileError(labelsPath, 'is a folder, not a labels file');
    if (!given.isFile()) throw new DatasetFileError(labelsPath, notRegular);
    labels = readLabels(labelsPath, array.count);
  }
  const plan = seededSplit(array.count, req.testFraction ?? defaultTestFraction, req.seed ?? 0, path);
  const kind = /\.npy(\.gz)?$/i.test(path) ? 'NPY array' : 'IDX file';
  return writeArrays(store, name, req, [{ array, labels }], plan, { source: path, description: kind }, progress);
}
