import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gridPng, imagePng } from './images';

describe('the PNGs the studio writes', () => {
  it('keep an image’s own channels: grayscale stays one channel, RGB three, pixels as given', async () => {
    const gray = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    const png = await imagePng(gray, 2, 3, 1);
    expect((await sharp(png).metadata()).channels).toBe(1);
    // (sharp reads any PNG back as sRGB: its first channel is the gray.)
    expect(Array.from(await sharp(png).extractChannel(0).raw().toBuffer())).toEqual(Array.from(gray));
    const rgb = await sharp(await imagePng(new Uint8Array(18).fill(200), 2, 3, 3)).metadata();
    expect(rgb.channels).toBe(3);
    const grid = await gridPng([[new Float32Array(4).fill(1)]], 2, 2, 1);
    expect((await sharp(grid.png).metadata()).channels).toBe(1);
  });
});
