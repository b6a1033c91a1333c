import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { createRng } from '../../shared/random';
import { tf, type Scalar } from '../../ml/tf';
import {
  buildPixelCnn,
  nllBits,
  pixelCnnShape,
  priorBatchBytes,
  priorMemoryBudget,
  samplePixelCnn,
  trainPixelCnn,
  unigramEntropyBits,
  type PixelCnnShape,
} from './pixelcnn';
import { contextOf, visibleContext } from './pixelcnn-reach';

const shape: PixelCnnShape = { ...pixelCnnShape(4, 5, 6), embedding: 4, filters: 8 };
const per = shape.height * shape.width;

beforeAll(async () => {
  await selectBackend('wasm');
});

/** For each position q, the positions p whose code changes q's logits (found by changing each p in turn). */
function dependsOn(s: PixelCnnShape, seed: number): boolean[][] {
  const n = s.height * s.width;
  const model = buildPixelCnn(s, seed);
  const rng = createRng(1);
  const codes = Int32Array.from({ length: 2 * n }, () => Math.floor(rng() * s.codes));
  const logitsOf = (c: Int32Array) =>
    tf.tidy(() => model.logits(tf.tensor3d(c, [2, s.height, s.width], 'int32')).dataSync() as Float32Array);
  const before = logitsOf(codes);
  const seen = Array.from({ length: n }, () => Array.from({ length: n }, () => false));
  for (let p = 0; p < n; p++) {
    const changed = codes.slice();
    for (let g = 0; g < 2; g++) changed[g * n + p] = ((changed[g * n + p] as number) + 1) % s.codes;
    const after = logitsOf(changed);
    for (let q = 0; q < n; q++)
      for (let g = 0; g < 2; g++) {
        const at = (g * n + q) * s.codes;
        if (!before.subarray(at, at + s.codes).every((v, c) => v === after[at + c])) seen[q]![p] = true;
      }
  }
  model.dispose();
  return seen;
}

describe('the gated PixelCNN’s two stacks', () => {
  it('are autoregressive and see every earlier position: no blind spot above and to the right', () => {
    for (const s of [shape, { ...pixelCnnShape(7, 7, 5), embedding: 4, filters: 8 }]) {
      const seen = dependsOn(s, 5);
      for (let q = 0; q < seen.length; q++)
        for (let p = 0; p < seen.length; p++) {
          // Position q sees exactly the positions before it, its own code and the ones after it never.
          expect(seen[q]![p], `${s.height}×${s.width}: position ${q} and the code at ${p}`).toBe(p < q);
        }
    }
  });

  it('trace their reach as the model computes it, where it falls short of the whole past', () => {
    // A deliberately short reach on a 7×7 grid: one row and one column in the first layer, one block.
    const short = { ...pixelCnnShape(7, 7, 5), embedding: 4, filters: 8, firstRows: 1, firstColumns: 1, blocks: 1 };
    const seen = dependsOn(short, 6);
    const traced = contextOf(short);
    for (let q = 0; q < seen.length; q++)
      for (let p = 0; p < seen.length; p++) expect(seen[q]![p], `position ${q}, code ${p}`).toBe(traced[q]![p] === 1);
    expect(visibleContext(short).worst).toBeLessThan(0.5);
  });

  it('reach the whole past on every preset’s grid (4×4, 7×7, 4×16 and 7×28)', () => {
    for (const [h, w] of [
      [4, 4],
      [7, 7],
      [4, 16],
      [7, 28],
    ] as const) {
      expect(visibleContext(pixelCnnShape(h, w, 8)), `${h}×${w}`).toEqual({ mean: 1, worst: 1 });
    }
  });

  it('embed index c of each codebook apart where codebooks take turns along a row (an RQ-VAE without a shared one)', () => {
    const s = { ...pixelCnnShape(2, 4, 3, 2), embedding: 4, filters: 8 };
    expect(s.codebooks).toBe(2);
    const model = buildPixelCnn(s, 3);
    const embedding = model.variables()[0]!;
    expect(embedding.shape).toEqual([6, 4]);
    // Every code 0: even columns read row 0 of the table, odd ones row 0 + K = 3; no other row is used.
    const codes = tf.zeros([1, 2, 4], 'int32');
    const { value, grads } = tf.variableGrads(() => tf.sum(model.logits(codes)) as Scalar, [embedding]);
    const grad = grads[embedding.name]!;
    const used = Array.from({ length: 6 }, (_, row) =>
      Array.from(grad.dataSync().slice(row * 4, row * 4 + 4)).some((v) => v !== 0),
    );
    expect(used).toEqual([true, false, false, true, false, false]);
    tf.dispose([codes, value, grad]);
    model.dispose();
  });

  it('refuse a checkpoint of the single masked stack, asking for the prior to be trained again', () => {
    const old = { height: 4, width: 4, codes: 8, embedding: 16, filters: 32, firstKernel: 7, blocks: 2 };
    expect(() => buildPixelCnn(old as unknown as PixelCnnShape, 0)).toThrow('train the prior again');
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
    // The training NLL is measured after the epoch as the test's is, on as many training grids: the two compare.
    expect(curve.at(-1)!.trainNllBits).toBe(await nllBits(model, train.subarray(0, test.length)));
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
    // Grid j comes from its own stream: the first four of sixteen are the four drawn alone.
    expect(Array.from(await samplePixelCnn(model, 4, 3))).toEqual(Array.from(a.subarray(0, 4 * per)));
    // A low temperature keeps to the most likely code: every step follows the rule. A high one strays from it.
    const rate = async (temperature: number) => {
      const t = await samplePixelCnn(model, 16, 5, { temperature });
      let ok = 0;
      for (let g = 0; g < 16; g++)
        for (let p = 1; p < per; p++) if (t[g * per + p] === ((t[g * per + p - 1] as number) + 1) % shape.codes) ok++;
      return ok / (16 * (per - 1));
    };
    expect(await rate(0.05)).toBe(1);
    expect(await rate(20)).toBeLessThan(0.5);
    await expect(samplePixelCnn(model, 1, 0, { temperature: 0 })).rejects.toThrow('temperature: 0 is not a positive number');
    model.dispose();
  });
});

describe("a prior's memory", () => {
  it('fits the presets’ grids, and refuses the largest an RQ-VAE may make (7×112 codes from 16 codebooks of 8192)', () => {
    expect(priorBatchBytes(7, 7, 512, 1)).toBeLessThan(priorMemoryBudget / 10);
    expect(priorBatchBytes(7, 28, 128, 1)).toBeLessThan(priorMemoryBudget / 2);
    expect(priorBatchBytes(7, 112, 8192, 16)).toBeGreaterThan(10 * priorMemoryBudget);
  });

  it('counts the network’s activations, not only the codes: a wide grid of two codes is refused (it broke wasm’s heap)', () => {
    // 2,048 positions of a codebook of 2: the codes and logits take 12 MiB, the first layer's patches gigabytes.
    expect(priorBatchBytes(32, 64, 2, 1)).toBeGreaterThan(priorMemoryBudget);
    expect(priorBatchBytes(4, 4, 2, 1)).toBeLessThan(priorMemoryBudget / 50);
  });
});
