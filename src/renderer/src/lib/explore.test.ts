import { describe, expect, it } from 'vitest';
import { interpolate, LatestWins, pixelsHash, priorSample, sliderRanges, stripGif, stripRgba, traverse } from './explore';

describe('the explorer’s arithmetic', () => {
  it('sends at most one request at a time, and only the newest of those pushed meanwhile', async () => {
    const sent: number[] = [];
    const releases: (() => void)[] = [];
    const loop = new LatestWins<number>(async (v) => {
      sent.push(v);
      await new Promise<void>((r) => releases.push(r));
    });
    loop.push(1);
    loop.push(2);
    loop.push(3);
    loop.push(4);
    expect(sent).toEqual([1]);
    releases.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    // 2 and 3 were stale before they could be sent.
    expect(sent).toEqual([1, 4]);
    loop.push(5);
    releases.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([1, 4, 5]);
    releases.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(loop.busy).toBe(false);
  });

  it('keeps going after a failed request', async () => {
    const sent: number[] = [];
    const loop = new LatestWins<number>(async (v) => {
      sent.push(v);
      if (v === 1) throw new Error('boom');
    });
    loop.push(1);
    loop.push(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([1, 2]);
  });

  it('interpolates straight and along the arc, ends included', () => {
    const a = [3, 0];
    const b = [0, 3];
    const line = interpolate(a, b, 3, 'straight');
    expect(line).toEqual([
      [3, 0],
      [1.5, 1.5],
      [0, 3],
    ]);
    const arc = interpolate(a, b, 3, 'spherical');
    expect(arc[0]).toEqual([3, 0]);
    expect(arc[2]).toEqual([0, 3]);
    // Halfway along the quarter circle of radius 3: the norm is kept, where the straight line's dips to 2.12.
    expect(Math.hypot(...(arc[1] as number[]))).toBeCloseTo(3, 3);
    // Parallel ends fall back to the straight line.
    expect(interpolate([1, 1], [2, 2], 3, 'spherical')[1]).toEqual([1.5, 1.5]);
  });

  it('keeps a spherical path between ends of unequal length in nearly opposite directions within their lengths', () => {
    // A CVAE's 2-D codes of two test images: 179° apart, 2.31 and 0.19 long.
    const a = [-2.31, -0.06];
    const b = [0.19, 0.01];
    const path = interpolate(a, b, 10, 'spherical');
    expect(path[0]).toEqual(a);
    expect(path[9]).toEqual(b);
    const lengths = path.map((z) => Math.hypot(...z));
    for (const [i, l] of lengths.entries()) expect(l).toBeCloseTo(2.3108 + ((0.1903 - 2.3108) * i) / 9, 3);
  });

  it('traverses one dimension, seeds prior samples, and sets slider ranges', () => {
    expect(traverse([0.5, 1], 1, -2, 2, 3)).toEqual([
      [0.5, -2],
      [0.5, 0],
      [0.5, 2],
    ]);
    expect(priorSample(4, 7)).toEqual(priorSample(4, 7));
    expect(priorSample(4, 7)).not.toEqual(priorSample(4, 8));
    const many = priorSample(4000, 1);
    const mean = many.reduce((s, v) => s + v, 0) / many.length;
    const sd = Math.sqrt(many.reduce((s, v) => s + (v - mean) ** 2, 0) / many.length);
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    const spread = { mean: [0, 5], std: [1, 1], min: [-1, 0], max: [4.2, 10] };
    expect(sliderRanges({ latentSize: 2, spread }, true)).toEqual([
      { min: -3, max: 4.2 },
      { min: -3, max: 10 },
    ]);
    expect(sliderRanges({ latentSize: 2, spread }, false)).toEqual([
      { min: -1.6, max: 4.8 },
      { min: -1, max: 11 },
    ]);
    // A ReLU code's sliders start at 0, not a tenth of the spread below it; a code bounded above stops there.
    expect(sliderRanges({ latentSize: 2, spread, codeRange: { min: 0, max: null, activation: 'ReLU' } }, false)).toEqual([
      { min: 0, max: 4.8 },
      { min: 0, max: 11 },
    ]);
    expect(sliderRanges({ latentSize: 2, spread, codeRange: { min: -1, max: 1, activation: 'tanh' } }, false)).toEqual([
      { min: -1, max: 1 },
      { min: -1, max: 1 },
    ]);
    // A model's own prior (the AAE's ring) reaches past ±3: the sliders reach its draws too.
    const priorDraws = [
      [-4.52, 0.3],
      [3.9, -4.1],
    ];
    expect(sliderRanges({ latentSize: 2, spread, priorDraws }, true)).toEqual([
      { min: -4.6, max: 4.2 },
      { min: -4.1, max: 10 },
    ]);
  });

  it('writes a strip as a looping animated GIF, a frame per image, gray levels as its palette', () => {
    const img = (v: number) => Uint8Array.from({ length: 16 }, (_, i) => (v + i * 7) % 256);
    const strip = { rows: [[img(0), img(100), img(200)]], width: 4, height: 4, channels: 1 };
    const gif = stripGif(strip, 2, 100);
    const text = new TextDecoder('latin1').decode(gif);
    expect(text.slice(0, 6)).toBe('GIF89a');
    // The logical screen: one image and its gutter, at 2x (little-endian width and height).
    expect([gif[6]! | (gif[7]! << 8), gif[8]! | (gif[9]! << 8)]).toEqual([16, 16]);
    // The global palette is the 256 grays, so every level is kept exactly.
    expect(Array.from(gif.subarray(13 + 3 * 100, 13 + 3 * 101))).toEqual([100, 100, 100]);
    expect(text).toContain('NETSCAPE2.0');
    // One graphic control extension (0x21 0xF9) per frame.
    expect(text.split('\x21\xF9').length - 1).toBe(3);
    expect(stripRgba(strip).width).toBe(3 * 4 + 4 * 2);
    expect(pixelsHash(img(0))).toMatch(/^[0-9a-f]{8}$/);
  });
});
