import { tfRequire } from '../../ml/tf';

import type sharpFn from 'sharp';

type Sharp = typeof sharpFn;

let sharpModule: Sharp | undefined;
function sharp(): Sharp {
  sharpModule ??= tfRequire('sharp') as Sharp;
  return sharpModule;
}

export interface ImageGrid {
  png: Uint8Array;
  width: number;
  height: number;
}

/** A value in [0,1] (clipped) as an 8-bit pixel: how every image the studio shows is rounded. */
export function toByte(v: number): number {
  return Math.round(255 * Math.min(1, Math.max(0, v)));
}

/** Flat images in [0,1] as 8-bit pixels, rounded by `toByte`. */
export function toBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toByte(values[i] as number);
  return out;
}

/** A PNG of the image's own channels: a grayscale one stays grayscale (sharp writes RGB unless told). */
function pngOf(image: ReturnType<Sharp>, channels: number): Promise<Buffer> {
  return (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
}

/**
 * Lays out rows of images (values in [0,1], clipped) into one PNG with a 2-pixel gutter,
 * e.g. test images above their reconstructions.
 */
export async function gridPng(rows: Float32Array[][], h: number, w: number, channels: number): Promise<ImageGrid> {
  const gap = 2;
  const cols = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const width = cols * w + (cols + 1) * gap;
  const height = rows.length * h + (rows.length + 1) * gap;
  const out = Buffer.alloc(width * height * channels, 48);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      const y0 = gap + r * (h + gap);
      const x0 = gap + c * (w + gap);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let k = 0; k < channels; k++) {
            const v = img[(y * w + x) * channels + k] as number;
            out[((y0 + y) * width + x0 + x) * channels + k] = toByte(v);
          }
        }
      }
    });
  });
  const png = await pngOf(sharp()(out, { raw: { width, height, channels: channels as 1 | 3 } }), channels);
  return { png: new Uint8Array(png), width, height };
}

/** One image (HWC bytes) as a PNG. */
export async function imagePng(bytes: Uint8Array, h: number, w: number, channels: number): Promise<Uint8Array> {
  const png = await pngOf(sharp()(bytes, { raw: { width: w, height: h, channels: channels as 1 | 3 } }), channels);
  return new Uint8Array(png);
}
