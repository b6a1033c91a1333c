import { execFileSync, spawn } from 'node:child_process';
import type * as Fs from 'node:fs';
import { lstatSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import { tempDir } from '../../../tests/integration/helpers';
import { DatasetCatalog, debianFashionMnistDir } from './catalog';
import { pixelsPerImage, type ImageDataset } from '../../ml/dataset';

// The importer's folder walk, wrapped so that a test can make one path fail as missing permissions would
// (the tests may run as root, where chmod does not take read access away).
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  return { ...fs, readdirSync: vi.fn(fs.readdirSync), lstatSync: vi.fn(fs.lstatSync) };
});

/** Runs `task` with `fn` failing with `code` on `path` (and working as ever elsewhere). */
async function failingOn<T>(fn: 'readdirSync' | 'lstatSync', path: string, code: string, task: () => Promise<T>): Promise<T> {
  const mock = (fn === 'readdirSync' ? readdirSync : lstatSync) as unknown as Mock<(...args: unknown[]) => unknown>;
  const real = (await vi.importActual<typeof Fs>('node:fs'))[fn] as (...args: unknown[]) => unknown;
  mock.mockImplementation((p, ...rest) => {
    if (String(p) === path) throw Object.assign(new Error(`${code}: permission denied, ${fn} '${path}'`), { code });
    return real(p, ...rest);
  });
  try {
    return await task();
  } finally {
    mock.mockImplementation(real);
  }
}

const tmp = tempDir('latent-studio-import-');
afterAll(() => tmp.cleanup());
const root = join(tmp.dir, 'store');
const catalog = new DatasetCatalog(root);

/** A deterministic test image: every pixel a function of the image number. */
function pattern(n: number, h: number, w: number, c: number): Uint8Array {
  return Uint8Array.from({ length: h * w * c }, (_, p) => (n * 37 + p * 11 + ((p * p) % 7) * 13) % 256);
}

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

function npy(descr: string, shape: number[], data: Uint8Array): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

/** Every image of a stored set with its label, in source order (through the stored provenance). */
function bySource(name: string): { pixels: Uint8Array[]; labels: (number | null)[] } {
  const ds = catalog.open({ name });
  const pixels = pixelsPerImage(ds);
  const sources = catalog.store.sources(name);
  const out: Uint8Array[] = [];
  const labels: (number | null)[] = [];
  let position = 0;
  for (const split of [ds.train, ds.test] as ImageDataset['train'][]) {
    for (let i = 0; i < split.count; i++, position++) {
      const bytes = new Uint8Array(pixels);
      split.readBytes([i], bytes);
      out[sources[position] as number] = bytes;
      labels[sources[position] as number] = split.labels ? (split.labels[i] as number) : null;
    }
  }
  return { pixels: out, labels };
}

function storedNames(): string[] {
  return readdirSync(root).sort();
}

describe('import', () => {
  // A refusal that wrongly succeeds must not make the next cases fail on a taken name.
  afterEach(() => void (catalog.store.manifest('refused') && catalog.delete('refused')));

  it('a folder of PNG and JPEG images in label sub-folders, with labels from the folder names', async () => {
    const dir = join(tmp.dir, 'digits');
    const expected: { file: string; pixels: Uint8Array; label: number; jpeg: boolean }[] = [];
    for (const [label, folder] of ['cat', 'dog', 'fox'].entries()) {
      mkdirSync(join(dir, folder), { recursive: true });
      for (let k = 0; k < 4; k++) {
        const n = label * 10 + k;
        const jpeg = k === 3;
        const pixels = jpeg ? new Uint8Array(8 * 6 * 3).fill(40 + n * 5) : pattern(n, 6, 8, 3);
        const img = sharp(pixels, { raw: { width: 8, height: 6, channels: 3 } });
        const file = join(folder, `img${k}.${jpeg ? 'jpg' : 'png'}`);
        writeFileSync(join(dir, file), jpeg ? await img.jpeg({ quality: 100 }).toBuffer() : await img.png().toBuffer());
        expected.push({ file, pixels, label, jpeg });
      }
    }
    writeFileSync(join(dir, '.DS_Store'), 'ignored');
    const info = await catalog.import({ path: dir, testFraction: 0.25, seed: 5 });
    expect(info).toMatchObject({ name: 'digits', height: 6, width: 8, channels: 3, trainCount: 9, testCount: 3, classes: 3 });
    expect(info.labelNames).toEqual(['cat', 'dog', 'fox']);
    const manifest = catalog.store.manifest('digits')!;
    const got = bySource('digits');
    manifest.files!.forEach((file, source) => {
      const want = expected.find((e) => e.file === file)!;
      expect(got.labels[source]).toBe(want.label);
      if (want.jpeg) {
        // JPEG is lossy even at quality 100: a flat image comes back within a level or two.
        for (const [p, v] of got.pixels[source]!.entries()) expect(Math.abs(v - want.pixels[p]!)).toBeLessThanOrEqual(2);
      } else expect([...got.pixels[source]!]).toEqual([...want.pixels]);
    });
    // The same seed gives the same split; the test split is a quarter of the images.
    expect(catalog.samples('digits', 'test', 0, 10).total).toBe(3);
  });

  it('resizes to a chosen size and converts channels on request', async () => {
    const dir = join(tmp.dir, 'mixed');
    mkdirSync(dir);
    await sharp(pattern(1, 20, 30, 3), { raw: { width: 30, height: 20, channels: 3 } })
      .png()
      .toFile(join(dir, 'a.png'));
    await sharp(pattern(2, 10, 10, 1), { raw: { width: 10, height: 10, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(join(dir, 'b.png'));
    const info = await catalog.import({ path: dir, name: 'mixed-gray', size: 16, channels: 1 });
    expect(info).toMatchObject({ height: 16, width: 16, channels: 1, classes: 0, labelNames: null });
  });

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
  });

  describe('refuses bad input, naming the file, and stores nothing', () => {
    const bad = join(tmp.dir, 'bad');
    mkdirSync(bad);
    const good = idx([4, 2, 2], new Uint8Array(16));
    const cases: [string, () => Promise<{ path: string; labelsPath?: string; channels?: 'auto' | 1 | 3 }>, RegExp][] = [
      [
        'a truncated IDX',
        async () => (writeFileSync(join(bad, 't.idx'), good.subarray(0, 20)), { path: join(bad, 't.idx') }),
        /t\.idx: truncated/,
      ],
      [
        'a corrupt gzipped IDX',
        async () => (writeFileSync(join(bad, 'c.idx.gz'), gzipSync(good).subarray(0, 18)), { path: join(bad, 'c.idx.gz') }),
        /c\.idx\.gz: is a corrupt or truncated gzip file/,
      ],
      [
        'a truncated NPY',
        async () => (
          writeFileSync(join(bad, 't.npy'), npy('|u1', [4, 2, 2], new Uint8Array(16)).subarray(0, 130)),
          { path: join(bad, 't.npy') }
        ),
        /t\.npy: truncated/,
      ],
      [
        'an NPY with a wrong magic number',
        async () => (
          writeFileSync(join(bad, 'm.npy'), Buffer.from('PK\x03\x04 this is a zip file')),
          { path: join(bad, 'm.npy') }
        ),
        /m\.npy: wrong magic number/,
      ],
      [
        'an IDX of an element type other than bytes',
        async () => (writeFileSync(join(bad, 'm.idx'), Buffer.from([0, 0, 0x0d, 3, 0, 0, 0, 1])), { path: join(bad, 'm.idx') }),
        /m\.idx: IDX element type 0xd is not supported/,
      ],
      [
        'a file that is neither IDX nor NPY',
        async () => (writeFileSync(join(bad, 'pic.gif'), Buffer.from('GIF89a\x01\x00')), { path: join(bad, 'pic.gif') }),
        /pic\.gif: wrong magic number: not an IDX or NPY file/,
      ],
      [
        'a 0-byte file',
        async () => (writeFileSync(join(bad, 'zero.npy'), ''), { path: join(bad, 'zero.npy') }),
        /zero\.npy: is empty/,
      ],
      [
        'a labels file of the wrong length',
        async () => (
          writeFileSync(join(bad, 'ok.idx'), good),
          writeFileSync(join(bad, 'few.idx'), idx([3], new Uint8Array(3))),
          { path: join(bad, 'ok.idx'), labelsPath: join(bad, 'few.idx') }
        ),
        /few\.idx: holds 3 labels for 4 images/,
      ],
      [
        'a non-image file in the folder',
        async () => {
          const dir = join(bad, 'with-text');
          mkdirSync(join(dir, 'a'), { recursive: true });
          await sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
            .png()
            .toFile(join(dir, 'a', 'one.png'));
          writeFileSync(join(dir, 'a', 'notes.txt'), 'not an image');
          return { path: dir };
        },
        /notes\.txt: is not an image/,
      ],
      [
        'a 0-byte image in the folder',
        async () => {
          const dir = join(bad, 'with-empty');
          mkdirSync(dir);
          await sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
            .png()
            .toFile(join(dir, 'one.png'));
          writeFileSync(join(dir, 'two.png'), '');
          return { path: dir };
        },
        /two\.png: is empty \(0 bytes\)/,
      ],
      ['an empty folder', async () => (mkdirSync(join(bad, 'empty')), { path: join(bad, 'empty') }), /empty: holds no images/],
      [
        'images of mixed channel counts when one count is asked for',
        async () => {
          const dir = join(bad, 'mixed');
          mkdirSync(dir);
          await sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
            .png()
            .toFile(join(dir, 'a-rgb.png'));
          await sharp(new Uint8Array(4), { raw: { width: 2, height: 2, channels: 1 } })
            .toColourspace('b-w')
            .png()
            .toFile(join(dir, 'b-gray.png'));
          return { path: dir, channels: 'auto' };
        },
        /b-gray\.png: is grayscale but a-rgb\.png is RGB/,
      ],
      ['a path that does not exist', async () => ({ path: join(bad, 'nowhere') }), /nowhere: does not exist/],
      [
        'an NPY of 10 x 0 x 0',
        async () => (
          writeFileSync(join(bad, 'z00.npy'), npy('|u1', [10, 0, 0], new Uint8Array(0))),
          { path: join(bad, 'z00.npy') }
        ),
        /z00\.npy: holds an array of 10 x 0 x 0; every dimension must be at least 1/,
      ],
      [
        'an NPY of 0 images',
        async () => (
          writeFileSync(join(bad, 'none.npy'), npy('<f4', [0, 28, 28, 1], new Uint8Array(0))),
          { path: join(bad, 'none.npy') }
        ),
        /none\.npy: holds an array of 0 x 28 x 28 x 1; every dimension must be at least 1/,
      ],
      [
        'an IDX of 10 x 28 x 0',
        async () => (writeFileSync(join(bad, 'z.idx'), idx([10, 28, 0], new Uint8Array(0))), { path: join(bad, 'z.idx') }),
        /z\.idx: holds an array of 10 x 28 x 0; every dimension must be at least 1/,
      ],
      [
        'a gzipped IDX of 0 images',
        async () => (
          writeFileSync(join(bad, 'none.idx.gz'), gzipSync(idx([0, 2, 2], new Uint8Array(0)))),
          { path: join(bad, 'none.idx.gz') }
        ),
        /none\.idx\.gz: holds an array of 0 x 2 x 2; every dimension must be at least 1/,
      ],
      [
        'a folder of IDX files with 0 training images',
        async () => {
          const dir = join(bad, 'idx-no-train');
          mkdirSync(dir);
          writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([0, 2, 2], new Uint8Array(0)));
          writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([3, 2, 2], new Uint8Array(12)));
          return { path: dir };
        },
        /train-images-idx3-ubyte: holds an array of 0 x 2 x 2; every dimension must be at least 1/,
      ],
      [
        'a folder of IDX files with 3 x 2 x 0 test images',
        async () => {
          const dir = join(bad, 'idx-flat-test');
          mkdirSync(dir);
          writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([4, 2, 2], new Uint8Array(16)));
          writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([3, 2, 0], new Uint8Array(0)));
          return { path: dir };
        },
        /t10k-images-idx3-ubyte: holds an array of 3 x 2 x 0; every dimension must be at least 1/,
      ],
    ];
    it.each(cases)('%s', async (_what, make, message) => {
      const before = storedNames();
      const req = await make();
      await expect(catalog.import({ ...req, name: 'refused' })).rejects.toThrow(message);
      expect(storedNames()).toEqual(before);
      expect(catalog.info('refused')).toBeUndefined();
    });

    it('a name that is taken', async () => {
      writeFileSync(join(bad, 'fine.idx'), good);
      await expect(catalog.import({ path: join(bad, 'fine.idx'), name: 'digits' })).rejects.toThrow(/digits already exists/);
      await expect(catalog.import({ path: join(bad, 'fine.idx'), name: 'mnist' })).rejects.toThrow(/mnist is a built-in/);
    });
  });

  describe.skipIf(process.platform === 'win32')('symbolic links and other odd entries: refused by path, nothing stored', () => {
    const links = join(tmp.dir, 'links');
    mkdirSync(links);
    const png = (file: string) =>
      sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
        .png()
        .toFile(file);
    /** A real image and a real folder outside every imported folder below. */
    const outsidePng = join(links, 'outside.png');
    const outsideDir = join(links, 'outside-dir');
    /** A folder `name` holding cat/one.png, cat/two.png and dog/three.png, then whatever `extra` adds. */
    async function folder(name: string, extra: (dir: string) => void): Promise<string> {
      const dir = join(links, name);
      mkdirSync(join(dir, 'cat'), { recursive: true });
      mkdirSync(join(dir, 'dog'));
      for (const f of ['cat/one.png', 'cat/two.png', 'dog/three.png']) await png(join(dir, f));
      extra(dir);
      return dir;
    }
    const setUp = (async () => {
      await png(outsidePng);
      mkdirSync(outsideDir);
      await png(join(outsideDir, 'four.png'));
    })();
    const idxFile = idx([4, 2, 2], new Uint8Array(16));

    const cases: [string, () => Promise<{ path: string; labelsPath?: string }>, RegExp][] = [
      [
        'a link loop (a -> b, b -> a)',
        async () => ({
          path: await folder('loop', (d) => {
            symlinkSync('b', join(d, 'cat', 'a'));
            symlinkSync('a', join(d, 'cat', 'b'));
          }),
        }),
        /cat\/a: is a symbolic link loop/,
      ],
      [
        'a link to itself',
        async () => ({ path: await folder('self', (d) => symlinkSync('self', join(d, 'dog', 'self'))) }),
        /dog\/self: is a symbolic link loop/,
      ],
      [
        'a dangling link',
        async () => ({ path: await folder('dangling', (d) => symlinkSync('gone.png', join(d, 'cat', 'dangling.png'))) }),
        /cat\/dangling\.png: is a broken symbolic link/,
      ],
      [
        'a link to an image outside the folder',
        async () => ({ path: await folder('out-abs', (d) => symlinkSync(outsidePng, join(d, 'cat', 'out.png'))) }),
        /cat\/out\.png: is a symbolic link that points outside the imported folder/,
      ],
      [
        'a relative link climbing out of the folder',
        async () => ({ path: await folder('out-rel', (d) => symlinkSync('../../outside.png', join(d, 'cat', 'up.png'))) }),
        /cat\/up\.png: is a symbolic link that points outside the imported folder/,
      ],
      [
        'a label folder that is a link to a folder outside',
        async () => ({ path: await folder('out-dir', (d) => symlinkSync(outsideDir, join(d, 'bird'))) }),
        /bird: is a symbolic link that points outside the imported folder/,
      ],
      [
        'a label folder that is a link to another label folder',
        async () => ({ path: await folder('in-dir', (d) => symlinkSync('cat', join(d, 'kitten'))) }),
        /kitten: is a symbolic link to a folder/,
      ],
      [
        'a link to the folder itself, inside a label folder',
        async () => ({ path: await folder('up-dir', (d) => symlinkSync('..', join(d, 'cat', 'up'))) }),
        /cat\/up: is a symbolic link to a folder/,
      ],
      [
        'a loose link loop in an unlabelled folder',
        async () => {
          const dir = join(links, 'flat-loop');
          mkdirSync(dir);
          await png(join(dir, 'one.png'));
          symlinkSync('z.png', join(dir, 'z.png'));
          return { path: dir };
        },
        /z\.png: is a symbolic link loop/,
      ],
      [
        'an IDX file of a folder of IDX files that links outside it',
        async () => {
          const dir = join(links, 'idx-out');
          mkdirSync(dir);
          writeFileSync(join(links, 'elsewhere-idx3-ubyte'), idxFile);
          symlinkSync(join(links, 'elsewhere-idx3-ubyte'), join(dir, 'train-images-idx3-ubyte'));
          return { path: dir };
        },
        /train-images-idx3-ubyte: is a symbolic link that points outside the imported folder/,
      ],
      [
        'an IDX labels file of a folder of IDX files that is a broken link',
        async () => {
          const dir = join(links, 'idx-broken');
          mkdirSync(dir);
          writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxFile);
          symlinkSync('nothing', join(dir, 'train-labels-idx1-ubyte'));
          return { path: dir };
        },
        /train-labels-idx1-ubyte: is a broken symbolic link/,
      ],
      [
        'a link out of the real folder when the imported path is a link to it',
        async () => {
          const real = await folder('aliased', (d) => symlinkSync('../../outside.png', join(d, 'dog', 'esc.png')));
          symlinkSync(real, join(links, 'alias'));
          return { path: join(links, 'alias') };
        },
        /dog\/esc\.png: is a symbolic link that points outside the imported folder/,
      ],
      [
        'an imported path that is a broken link',
        async () => (symlinkSync(join(links, 'nothing-here'), join(links, 'broken-root')), { path: join(links, 'broken-root') }),
        /broken-root: is a broken symbolic link/,
      ],
      [
        'an imported path that is a link loop',
        async () => (symlinkSync('loop-root', join(links, 'loop-root')), { path: join(links, 'loop-root') }),
        /loop-root: is a symbolic link loop/,
      ],
      [
        'a labels path that is a broken link',
        async () => (
          writeFileSync(join(links, 'four.idx'), idxFile),
          symlinkSync('no-labels', join(links, 'labels-broken')),
          { path: join(links, 'four.idx'), labelsPath: join(links, 'labels-broken') }
        ),
        /labels-broken: is a broken symbolic link/,
      ],
      [
        'a labels path that is a link loop',
        async () => (
          writeFileSync(join(links, 'four.idx'), idxFile),
          symlinkSync('labels-loop', join(links, 'labels-loop')),
          { path: join(links, 'four.idx'), labelsPath: join(links, 'labels-loop') }
        ),
        /labels-loop: is a symbolic link loop/,
      ],
      [
        'a labels path that is a folder',
        async () => (writeFileSync(join(links, 'four.idx'), idxFile), { path: join(links, 'four.idx'), labelsPath: outsideDir }),
        /outside-dir: is a folder, not a labels file/,
      ],
      [
        'a named pipe in the folder',
        async () => ({ path: await folder('fifo', (d) => execFileSync('mkfifo', [join(d, 'cat', 'pipe.png')])) }),
        /cat\/pipe\.png: is not a regular file/,
      ],
    ];
    it.each(cases)('%s', async (_what, make, message) => {
      await setUp;
      const before = storedNames();
      const req = await make();
      await expect(catalog.import({ ...req, name: 'refused' })).rejects.toThrow(message);
      expect(storedNames()).toEqual(before);
      expect(catalog.info('refused')).toBeUndefined();
    });

    it('a named pipe as the imported path, refused without reading it', async () => {
      const pipe = join(links, 'pipe.npy');
      execFileSync('mkfifo', [pipe]);
      // Were the pipe read, reading would wait for a writer for ever: this one opens and closes it, so that a
      // regression fails (as an empty file) instead of hanging the tests.
      const writer = spawn('sh', ['-c', 'exec 3>"$0"', pipe], { stdio: 'ignore' });
      try {
        const before = storedNames();
        await expect(catalog.import({ path: pipe, name: 'refused' })).rejects.toThrow(/pipe\.npy: is not a regular file/);
        expect(storedNames()).toEqual(before);
      } finally {
        writer.kill();
      }
    });

    it.each([
      ['the imported folder', 'permission-root', '', /permission-root: cannot be read \(EACCES\)/],
      ['a label folder', 'permission-label', 'dog', /dog: cannot be read \(EACCES\)/],
    ])('an unreadable folder (%s), refused by path', async (_what, name, unreadable, message) => {
      const dir = realpathSync(await folder(name, () => {}));
      const which = (d: string) => join(d, unreadable);
      const before = storedNames();
      await expect(
        failingOn('readdirSync', which(dir), 'EACCES', () => catalog.import({ path: dir, name: 'refused' })),
      ).rejects.toThrow(message);
      expect(storedNames()).toEqual(before);
    });

    it('an entry that cannot be examined, refused by path', async () => {
      const dir = realpathSync(await folder('permission-entry', () => {}));
      const before = storedNames();
      const task = () => catalog.import({ path: dir, name: 'refused' });
      await expect(failingOn('lstatSync', join(dir, 'cat', 'two.png'), 'EACCES', task)).rejects.toThrow(
        /cat\/two\.png: cannot be read \(EACCES\)/,
      );
      expect(storedNames()).toEqual(before);
    });

    it('follows a link to an image inside the folder, and an imported path that links to a folder', async () => {
      await setUp;
      const dir = await folder('inner-link', (d) => symlinkSync('../cat/one.png', join(d, 'dog', 'copy.png')));
      symlinkSync(dir, join(links, 'inner-alias'));
      const info = await catalog.import({ path: join(links, 'inner-alias'), name: 'inner-link', testFraction: 0.25 });
      expect(info).toMatchObject({ trainCount: 3, testCount: 1, classes: 2 });
      expect(catalog.store.manifest('inner-link')!.files).toEqual([
        'cat/one.png',
        'cat/two.png',
        'dog/copy.png',
        'dog/three.png',
      ]);
    });

    it('follows an images file and a labels file given as links, wherever they point (the user chose them)', async () => {
      await setUp;
      const elsewhere = join(tmp.dir, 'elsewhere');
      mkdirSync(elsewhere);
      writeFileSync(join(elsewhere, 'imgs.idx'), idx([4, 2, 2], pattern(3, 4, 2, 2)));
      writeFileSync(join(elsewhere, 'labs.idx'), idx([4], Uint8Array.from([0, 1, 0, 1])));
      symlinkSync(join(elsewhere, 'imgs.idx'), join(links, 'imgs-link.idx'));
      symlinkSync(join(elsewhere, 'labs.idx'), join(links, 'labs-link.idx'));
      const info = await catalog.import({
        path: join(links, 'imgs-link.idx'),
        labelsPath: join(links, 'labs-link.idx'),
        name: 'linked',
      });
      expect(info).toMatchObject({ trainCount: 3, testCount: 1, classes: 2 });
      expect(lstatSync(join(links, 'imgs-link.idx')).isSymbolicLink()).toBe(true);
    });
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
