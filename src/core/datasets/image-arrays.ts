/** Arrays of images and of labels from IDX (raw or gzipped) and NPY files, recognised by their magic numbers. */
import { basename } from 'node:path';
import { DatasetFileError, parseIdx, readDataFile } from './idx';
import { parseNpy } from './npy';

/** An array of images as the IDX and NPY readers give it: N images of H x W x C, read one at a time. */
export interface ImageArray {
  file: string;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Image i as HWC bytes. */
  image(i: number, out: Uint8Array): void;
}

export function idxImages(file: string, bytes: Uint8Array): ImageArray {
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

/** How far float images in 0..1 may stray past it (clipped). */
const unitOvershoot = 0.05;

export function npyImages(file: string, bytes: Uint8Array): ImageArray {
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
  // Values all within [0, 1] are scaled to bytes: floats in [0, 1], and booleans or integers that are all 0 or 1
  // (binary images, as dSprites' `imgs`). Floats may overshoot [0, 1] a little (a resampling filter's ringing, float
  // rounding): clipped, not read as 0..255 (where 1.0001 would be a black pixel). Anything else must be 0..255.
  let max = 0;
  let maxAt = 0;
  if (a.bytes) {
    for (const v of a.bytes) {
      if (v <= max) continue;
      max = v;
      if (max > 1) break;
    }
  }
  // Values lit at all (above 0.05), and those of them beyond 0..1 (as it may overshoot): in images in 0..255 most lit
  // values are (a blur's faint halo aside); in images in 0..1 with a few outliers, almost none.
  let lit = 0;
  let beyondUnit = 0;
  if (!a.bytes) {
    for (let i = 0; i < a.size; i++) {
      const v = a.get(i);
      if (!Number.isFinite(v)) throw new DatasetFileError(file, `element ${i} is ${v}: images must be finite`);
      if (v > max) [max, maxAt] = [v, i];
      if (v > unitOvershoot) {
        lit++;
        if (v > 1 + unitOvershoot) beyondUnit++;
      }
    }
  }
  const float = a.dtype.startsWith('f');
  // A float32 as numpy prints it (255.6), not as the double it widens to (255.60000610351562).
  const shown = (v: number) => (a.dtype === 'f4' ? Number(v.toPrecision(7)) : v);
  const unit = max <= 1 || (float && max <= 1 + unitOvershoot);
  if (float && !unit && max < 2) {
    throw new DatasetFileError(
      file,
      `element ${maxAt} is ${shown(max)}: float images must hold values in 0..1 (up to ${1 + unitOvershoot}, clipped) or 0..255`,
    );
  }
  // Images in 0..1 with a few outliers would read as 0..255, every image near black: said, not guessed at.
  if (float && !unit && beyondUnit * 100 < lit) {
    throw new DatasetFileError(
      file,
      `element ${maxAt} is ${shown(max)}, but only ${beyondUnit} of its ${lit} values above ${unitOvershoot} lie beyond 0..1: images in 0..1 with outliers? Clip them to 0..1 (np.clip) or scale the images to 0..255`,
    );
  }
  const scale = unit ? 255 : 1;
  // A float in 0..1 a little below 0 is clipped as one a little above 1 is.
  const low = unit && float ? -unitOvershoot : 0;
  const pixels = height * width * channels;
  const plane = height * width;
  return {
    file,
    count,
    height,
    width,
    channels,
    image(n, out) {
      if (a.bytes && layout === 'hwc' && scale === 1) {
        out.set(a.bytes.subarray(n * pixels, (n + 1) * pixels));
        return;
      }
      for (let j = 0; j < pixels; j++) {
        // out is HWC; the source element is at the same place (hwc) or at c * H*W + p (chw).
        const src = layout === 'hwc' ? j : (j % channels) * plane + Math.floor(j / channels);
        const x = a.get(n * pixels + src);
        const v = Math.round((unit && x >= low ? Math.min(Math.max(x, 0), 1) : x) * scale);
        if (v < 0 || v > 255 || Number.isNaN(v)) {
          throw new DatasetFileError(
            file,
            `image ${n} holds ${shown(a.get(n * pixels + src))}: values must be 0..255 (or floats in 0..1)`,
          );
        }
        out[j] = v;
      }
    },
  };
}

/** Reads an IDX (raw or gzipped) or NPY file of images, by its magic number. */
export function readImageArray(file: string): ImageArray {
  const bytes = readDataFile(file);
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return npyImages(file, bytes);
  if (bytes[0] === 0 && bytes[1] === 0) return idxImages(file, bytes);
  if (bytes[0] === 0x50 && bytes[1] === 0x4b)
    throw new DatasetFileError(
      file,
      `is a zip archive (a NumPy .npz, as dSprites ships): save its images array as one .npy and import that, e.g. np.save('images.npy', np.load('${basename(file)}')['imgs'])`,
    );
  throw new DatasetFileError(file, 'wrong magic number: not an IDX or NPY file (to import images, import their folder)');
}

/** Reads a labels file (IDX or NPY, one integer 0..255 per image). */
export function readLabels(file: string, count: number): Uint8Array {
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
