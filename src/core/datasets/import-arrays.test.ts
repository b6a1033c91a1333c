import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { debianFashionMnistDir, DatasetCatalog } from './catalog';
import { idx, importStore, npy, pattern } from './import-fixtures';
import { seededSplit } from './import';

const { tmp, root, catalog, bySource } = importStore();

describe('import', () => {
  it('an IDX file with an IDX labels file, and the same gzipped', async () => {
    const n = 30;
    const images = Uint8Array.from({ length: n * 5 * 4 }, (_, i) => (i * 7) % 256);
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 4);
    writeFileSync(join(tmp.dir, 'x-images-idx3-ubyte'), idx([n, 5, 4], images));
    writeFileSync(join(tmp.dir, 'x-labels-idx1-ubyte'), idx([n], labels));
    writeFileSync(join(tmp.dir, 'x-images-idx3-ubyte.gz'), gzipSync(idx([n, 5, 4], images)));
    writeFileSync(join(tmp.dir, 'x-labels-idx1-ubyte.gz'), gzipSync(idx([n], labels)));
    for (const [name, suffix] of [
      ['raw-idx', ''],
      ['gz-idx', '.gz'],
    ] as const) {
      const info = await catalog.import({
        path: join(tmp.dir, `x-images-idx3-ubyte${suffix}`),
        labelsPath: join(tmp.dir, `x-labels-idx1-ubyte${suffix}`),
        name,
      });
      expect(info).toMatchObject({ height: 5, width: 4, channels: 1, trainCount: 27, testCount: 3, classes: 4 });
      const got = bySource(name);
      for (let i = 0; i < n; i++) {
        expect([...got.pixels[i]!]).toEqual([...images.subarray(i * 20, (i + 1) * 20)]);
        expect(got.labels[i]).toBe(labels[i]);
      }
    }
  });

  it('an NPY array (uint8, N x H x W x 3) with int64 labels, and float32 images in 0..1 (N x C x H x W)', async () => {
    const n = 12;
    const images = Uint8Array.from({ length: n * 3 * 2 * 3 }, (_, i) => (i * 13) % 256);
    const labels = new BigInt64Array(Array.from({ length: n }, (_, i) => BigInt(i % 3)));
    writeFileSync(join(tmp.dir, 'a.npy'), npy('|u1', [n, 3, 2, 3], images));
    writeFileSync(join(tmp.dir, 'a-labels.npy'), npy('<i8', [n], new Uint8Array(labels.buffer)));
    await catalog.import({ path: join(tmp.dir, 'a.npy'), labelsPath: join(tmp.dir, 'a-labels.npy'), name: 'npy-u8' });
    const got = bySource('npy-u8');
    for (let i = 0; i < n; i++) {
      expect([...got.pixels[i]!]).toEqual([...images.subarray(i * 18, (i + 1) * 18)]);
      expect(got.labels[i]).toBe(i % 3);
    }
    // The same pixels as float32 in [0, 1], channels first.
    const chw = new Float32Array(n * 18);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < 6; p++) for (let c = 0; c < 3; c++) chw[i * 18 + c * 6 + p] = images[i * 18 + p * 3 + c]! / 255;
    writeFileSync(join(tmp.dir, 'b.npy'), npy('<f4', [n, 3, 3, 2], new Uint8Array(chw.buffer)));
    await catalog.import({ path: join(tmp.dir, 'b.npy'), name: 'npy-f32' });
    const f = bySource('npy-f32');
    for (let i = 0; i < n; i++) expect([...f.pixels[i]!]).toEqual([...images.subarray(i * 18, (i + 1) * 18)]);
    expect(f.labels[0]).toBeNull();
  });

  it('an array sorted by class: each split is stored in the seeded order, so a run’s first images hold every class', async () => {
    const n = 40;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    writeFileSync(join(tmp.dir, 'sorted.npy'), npy('|u1', [n, 2, 2], pattern(3, n, 2, 2)));
    writeFileSync(join(tmp.dir, 'sorted-labels.npy'), npy('|u1', [n], labels));
    await catalog.import({
      path: join(tmp.dir, 'sorted.npy'),
      labelsPath: join(tmp.dir, 'sorted-labels.npy'),
      name: 'sorted',
      testFraction: 0.25,
      seed: 1,
    });
    const ds = catalog.open({ name: 'sorted', trainSubset: 8, testSubset: 4 });
    expect(new Set(ds.train.labels)).toEqual(new Set([0, 1]));
    expect(new Set(ds.test.labels)).toEqual(new Set([0, 1]));
    // Every image is still stored once, with its own label.
    const got = bySource('sorted');
    expect(got.labels).toEqual([...labels]);
    expect(seededSplit(40, 0.25, 1, 'x').description).toBe('seed 1: 25% test (10 of 40)');
    // A fraction too small for one image still puts one in the test split, and the split says so.
    expect(seededSplit(40, 0, 1, 'x').description).toBe('seed 1: 2.5% test (1 of 40)');
  });

  it('float images in 0..1 that overshoot it a little are clipped, not read as 0..255; further out, refused', async () => {
    // Two 2x3 images. A resampling filter's ringing: 1.0001 is white, not 1 of 255; -0.0002 is black.
    const write = (name: string, first: number[]) => {
      const file = join(tmp.dir, `${name}.npy`);
      const values = Float32Array.from([...first, 0, 0, 0, 0, 0, 0]);
      writeFileSync(file, npy('<f4', [2, 2, 3], new Uint8Array(values.buffer)));
      return file;
    };
    await catalog.import({ path: write('ringing', [0, 0.5, 1.0001, -0.0002, 1.04, 0.25]), name: 'ringing' });
    expect([...bySource('ringing').pixels[0]!]).toEqual([0, 128, 255, 0, 255, 64]);
    // Up to 1.3: neither 0..1 nor 0..255. Refused, naming the file and the element.
    await expect(catalog.import({ path: write('between', [0, 0.5, 1.3, 0, 1, 0.2]), name: 'between' })).rejects.toThrow(
      /between\.npy: element 2 is 1\.3: float images must hold values in 0\.\.1 \(up to 1\.05, clipped\) or 0\.\.255/,
    );
    // Images in 0..1 but for one outlier of 3: not read as 0..255 (every image near black), refused and said.
    const unitWithOutlier = Array.from({ length: 200 }, (_, i) => (i === 7 ? 3 : (i % 10) / 10));
    const withOutlier = join(tmp.dir, 'outlier.npy');
    writeFileSync(withOutlier, npy('<f4', [2, 10, 10], new Uint8Array(Float32Array.from(unitWithOutlier).buffer)));
    await expect(catalog.import({ path: withOutlier, name: 'outlier' })).rejects.toThrow(
      /outlier\.npy: element 7 is 3, but only 1 of its 180 values above 0\.05 lie beyond 0\.\.1: images in 0\.\.1 with outliers/,
    );
    // Float images in 0..255, though a blur's halo leaves more faint values within 0..1 than lit ones beyond: 0..255.
    await catalog.import({ path: write('float-bytes', [0, 0.5, 200, 0.3, 0.2, 0.6]), name: 'float-bytes' });
    expect([...bySource('float-bytes').pixels[0]!]).toEqual([0, 1, 200, 0, 0, 1]);
    // Far below 0 (images in -1..1): refused, not clipped.
    await expect(catalog.import({ path: write('signed', [-1, 0.5, 1, 0, 1, 0.2]), name: 'signed' })).rejects.toThrow(
      /signed\.npy: image \d holds -1: values must be 0\.\.255/,
    );
  });

  it('an NPY of binary images (booleans, or bytes that are all 0 or 1, as dSprites’) is scaled to 0 and 255', async () => {
    const bits = Uint8Array.from({ length: 6 * 3 * 3 }, (_, i) => ((i * 5) % 3 === 0 ? 1 : 0));
    for (const [name, descr] of [
      ['binary-u1', '|u1'],
      ['binary-b1', '|b1'],
    ] as const) {
      writeFileSync(join(tmp.dir, `${name}.npy`), npy(descr, [6, 3, 3], bits));
      await catalog.import({ path: join(tmp.dir, `${name}.npy`), name });
      const got = bySource(name);
      for (let i = 0; i < 6; i++) expect([...got.pixels[i]!]).toEqual([...bits.subarray(i * 9, (i + 1) * 9)].map((b) => b * 255));
    }
  });

  it('a folder of MNIST-style IDX files keeps their own train/test split', async () => {
    const dir = join(tmp.dir, 'fashion-like');
    mkdirSync(dir);
    const write = (file: string, dims: number[], data: Uint8Array) => writeFileSync(join(dir, file), gzipSync(idx(dims, data)));
    write('train-images-idx3-ubyte.gz', [8, 2, 2], pattern(1, 8, 2, 2));
    write('train-labels-idx1-ubyte.gz', [8], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
    write('t10k-images-idx3-ubyte.gz', [3, 2, 2], pattern(2, 3, 2, 2));
    write('t10k-labels-idx1-ubyte.gz', [3], Uint8Array.from([9, 8, 7]));
    const info = await catalog.import({ path: dir, name: 'fashion' });
    expect(info).toMatchObject({ trainCount: 8, testCount: 3, classes: 10 });
    const ds = catalog.open({ name: 'fashion' });
    expect([...ds.test.labels!]).toEqual([9, 8, 7]);
    const first = new Uint8Array(4);
    ds.test.readBytes([0], first);
    expect([...first]).toEqual([...pattern(2, 3, 2, 2).subarray(0, 4)]);
    expect(catalog.detail('fashion').split).toBe("the files' own split (8 train / 3 test)");
  });

  it('files with their own split but sorted by label are stored shuffled within each split, so a subset has every label', async () => {
    const dir = join(tmp.dir, 'sorted-idx');
    mkdirSync(dir);
    const write = (file: string, dims: number[], data: Uint8Array) => writeFileSync(join(dir, file), idx(dims, data));
    const trainLabels = Uint8Array.from({ length: 40 }, (_, i) => Math.floor(i / 10));
    write('train-images-idx3-ubyte', [40, 2, 2], pattern(3, 40, 2, 2));
    write('train-labels-idx1-ubyte', [40], trainLabels);
    write('t10k-images-idx3-ubyte', [6, 2, 2], pattern(4, 6, 2, 2));
    write('t10k-labels-idx1-ubyte', [6], Uint8Array.from([7, 1, 7, 1, 7, 1]));
    await catalog.import({ path: dir, name: 'sorted-idx', seed: 5 });
    const ds = catalog.open({ name: 'sorted-idx' });
    // The first ten training images hold more than one label; the test split, not sorted, keeps its order.
    expect(new Set(ds.train.labels!.subarray(0, 10)).size).toBeGreaterThan(1);
    expect([...ds.test.labels!]).toEqual([7, 1, 7, 1, 7, 1]);
    expect(catalog.detail('sorted-idx').split).toBe(
      "the files' own split (40 train / 6 test); train images sorted by label in the files, stored shuffled (seed 5)",
    );
    // Every image is stored once, with its own label, and says which source image it is.
    const got = bySource('sorted-idx');
    const images = pattern(3, 40, 2, 2);
    for (let i = 0; i < 40; i++) {
      expect([...got.pixels[i]!]).toEqual([...images.subarray(i * 4, (i + 1) * 4)]);
      expect(got.labels[i]).toBe(trainLabels[i]);
    }
  });
});

describe('built-in sets', () => {
  it('Fashion-MNIST from Debian’s dataset-fashion-mnist: 60k/10k 28x28 images in 0..255 with labels 0..9', () => {
    const info = catalog.info('fashion-mnist')!;
    expect(info.source).toContain(debianFashionMnistDir);
    expect(info.available).toBe(true);
    const ds = catalog.open({ name: 'fashion-mnist' });
    expect([ds.train.count, ds.test.count, ds.height, ds.width, ds.channels]).toEqual([60000, 10000, 28, 28, 1]);
    const counts = catalog.detail('fashion-mnist').trainLabelCounts;
    // Fashion-MNIST is balanced: 6,000 training images per class.
    expect(counts).toEqual(new Array(10).fill(6000));
    const first = new Uint8Array(784 * 100);
    ds.train.readBytes(
      Array.from({ length: 100 }, (_, i) => i),
      first,
    );
    expect(Math.max(...first)).toBe(255);
    expect(Math.min(...first)).toBe(0);
    // The first training image is an ankle boot (9), the first test image too.
    expect(ds.train.labels?.[0]).toBe(9);
    expect(ds.test.labels?.[0]).toBe(9);
  });

  it('Fashion-MNIST missing is listed as unavailable with what to do, and refused by name', () => {
    const elsewhere = new DatasetCatalog(root, { fashionDir: join(tmp.dir, 'no-fashion') });
    const info = elsewhere.info('fashion-mnist')!;
    expect(info.available).toBe(false);
    expect(info.hint).toMatch(/apt-get install dataset-fashion-mnist/);
    expect(() => elsewhere.open({ name: 'fashion-mnist' })).toThrow(/fashion-mnist is not installed/);
  });
});
