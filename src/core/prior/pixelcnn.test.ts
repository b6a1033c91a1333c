import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { createRng } from '../../shared/random';
import { tf } from '../../ml/tf';
import {
  buildPixelCnn,
  kernelMask,
  nllBits,
  samplePixelCnn,
  trainPixelCnn,
  unigramEntropyBits,
  type PixelCnnShape,
} from './pixelcnn';

const shape: PixelCnnShape = { height: 4, width: 5, codes: 6, embedding: 4, filters: 8, firstKernel: 5, blocks: 2 };
const per = shape.height * shape.width;

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('masked convolutions', () => {
  it('open the taps before the centre in raster order; mask B also the centre', () => {
    const a = kernelMask(3, 'A', 1, 1);
    const b = kernelMask(3, 'B', 1, 1);
    expect(Array.from(a)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(b)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('keep the PixelCNN autoregressive: the logits of position i do not change with the codes at i or after', () => {
    const model = buildPixelCnn(shape, 5);
    const rng = createRng(1);
    const codes = Int32Array.from({ length: 3 * per }, () => Math.floor(rng() * shape.codes));
    const logitsOf = (c: Int32Array) =>
      tf.tidy(() => model.logits(tf.tensor3d(c, [3, shape.height, shape.width], 'int32')).dataSync() as Float32Array);
    const before = logitsOf(codes);
    for (let p = 0; p < per; p++) {
      const changed = codes.slice();
      for (let s = 0; s < 3; s++) changed[s * per + p] = ((changed[s * per + p] as number) + 1) % shape.codes;
      const after = logitsOf(changed);
      for (let s = 0; s < 3; s++) {
        for (let q = 0; q < per; q++) {
          const at = (s * per + q) * shape.codes;
          const same = before.subarray(at, at + shape.codes).every((v, c) => v === after[at + c]);
          // Positions up to p (p included) cannot see the change; its right neighbour and the one below must.
          if (q <= p) expect(same, `position ${q} saw a change at ${p}`).toBe(true);
          else if ((q === p + 1 && q % shape.width !== 0) || q === p + shape.width)
            expect(same, `position ${q} did not see ${p}`).toBe(false);
        }
      }
    }
    model.dispose();
  });
});

describe('the PixelCNN prior', () => {
  it('learns a grid whose codes follow from those before them, far below the unigram entropy; samples repeat for a seed', async () => {
    // Each grid: a random first code, then each code one more than the one before it (mod K).
    const rng = createRng(2);
    const fill = (n: number) => {
      const out = new Int32Array(n * per);
      for (let g = 0; g < n; g++) {
        let c = Math.floor(rng() * shape.codes);
        for (let p = 0; p < per; p++) out[g * per + p] = c = p === 0 ? c : (c + 1) % shape.codes;
      }
      return out;
    };
    const train = fill(512);
    const test = fill(128);
    const model = buildPixelCnn(shape, 7);
    const before = await nllBits(model, test);
    const curve = await trainPixelCnn(
      model,
      { train, test },
      { epochs: 4, batchSize: 32, learningRate: 0.01, seed: 1 },
      () => {},
    );
    const after = curve.at(-1)!.testNllBits;
    const unigram = unigramEntropyBits(test, shape.codes);
    console.log(
      `toy PixelCNN: test NLL ${before.toFixed(3)} → ${after.toFixed(3)} bits/position; unigram ${unigram.toFixed(3)}; ` +
        `the ideal ${(Math.log2(shape.codes) / per).toFixed(3)}`,
    );
    expect(after).toBeLessThan(0.5 * unigram);
    const a = await samplePixelCnn(model, 16, 3);
    const b = await samplePixelCnn(model, 16, 3);
    const c = await samplePixelCnn(model, 16, 4);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // The samples follow the rule it learned.
    let followed = 0;
    for (let g = 0; g < 16; g++)
      for (let p = 1; p < per; p++) if (a[g * per + p] === ((a[g * per + p - 1] as number) + 1) % shape.codes) followed++;
    expect(followed / (16 * (per - 1))).toBeGreaterThan(0.9);
    model.dispose();
  });
});
