import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { idx, importStore, npy, pattern } from './import-fixtures';

const { tmp, catalog, storedNames } = importStore();

describe('import', () => {
  // A refusal that wrongly succeeds must not make the next cases fail on a taken name.
  afterEach(() => void (catalog.store.manifest('refused') && catalog.delete('refused')));
  // The taken-name case below names a set this store holds (import-folders.test.ts imports its own `digits`).
  beforeAll(async () => {
    writeFileSync(join(tmp.dir, 'digits-idx3-ubyte'), idx([4, 2, 2], pattern(4, 4, 2, 2)));
    await catalog.import({ path: join(tmp.dir, 'digits-idx3-ubyte'), name: 'digits' });
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
        'an NPZ archive (a zip of arrays, as dSprites ships), with what to do',
        async () => (
          writeFileSync(join(bad, 'dsprites.npz'), Buffer.from('PK\x03\x04 this is a zip file')),
          { path: join(bad, 'dsprites.npz') }
        ),
        /dsprites\.npz: is a zip archive \(a NumPy \.npz.*np\.save\('images\.npy', np\.load\('dsprites\.npz'\)\['imgs'\]\)/,
      ],
      [
        'an NPY with a wrong magic number',
        async () => (writeFileSync(join(bad, 'm.npy'), Buffer.from('\x93NUMPX not numpy')), { path: join(bad, 'm.npy') }),
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
        'a corrupt PNG in a class folder: named by its path there, the decoder’s reason one clause with no dangling colon',
        async () => {
          const dir = join(bad, 'corrupt');
          mkdirSync(join(dir, 'a'), { recursive: true });
          const png = await sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
            .png()
            .toBuffer();
          writeFileSync(join(dir, 'a', 'broken.png'), png.subarray(0, 30));
          return { path: dir };
        },
        /^a\/broken\.png: cannot be decoded \(PNG or JPEG expected\): [^\n]*[^:;\s]$/,
      ],
      [
        'images of two sizes in one class folder: both named by their paths there',
        async () => {
          const dir = join(bad, 'sizes');
          mkdirSync(join(dir, 'a'), { recursive: true });
          for (const [name, width, height] of [
            ['s32.png', 32, 32],
            ['s20x10.png', 20, 10],
          ] as const)
            await sharp(new Uint8Array(width * height * 3), { raw: { width, height, channels: 3 } })
              .png()
              .toFile(join(dir, 'a', name));
          return { path: dir };
        },
        /^a\/s32\.png: is 32x32 but a\/s20x10\.png is 20x10: choose a size/,
      ],
      [
        'a float32 NPY out of range: its value as numpy prints it',
        async () => (
          writeFileSync(
            join(bad, 'f.npy'),
            npy('<f4', [2, 2, 2], new Uint8Array(Float32Array.of(255.6, 0, 0, 0, 0, 0, 0, 0).buffer)),
          ),
          { path: join(bad, 'f.npy') }
        ),
        /^f\.npy: image 0 holds 255\.6: values must be 0\.\.255/,
      ],
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
      [
        'a labels file with a folder',
        async () => {
          const dir = join(bad, 'flat-images');
          mkdirSync(dir);
          await sharp(new Uint8Array(12), { raw: { width: 2, height: 2, channels: 3 } })
            .png()
            .toFile(join(dir, 'one.png'));
          writeFileSync(join(bad, 'y.idx'), idx([1], new Uint8Array(1)));
          return { path: dir, labelsPath: join(bad, 'y.idx') };
        },
        /y\.idx: a labels file goes with one IDX or NPY file; .*flat-images is a folder, whose labels are its sub-folders/,
      ],
      [
        'a folder of IDX files that labels one split only',
        async () => {
          const dir = join(bad, 'idx-half-labelled');
          mkdirSync(dir);
          writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([4, 2, 2], new Uint8Array(16)));
          writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([4], new Uint8Array(4)));
          writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([3, 2, 2], new Uint8Array(12)));
          return { path: dir };
        },
        /idx-half-labelled: holds train-labels-idx1-ubyte but no t10k-labels-idx1-ubyte\[\.gz\]: give labels for both splits or for neither/,
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
      // The generated sets the presets and studies name (with their factors) before they exist.
      await expect(catalog.import({ path: join(bad, 'fine.idx'), name: 'shapes' })).rejects.toThrow(
        /name: shapes is the generated set the presets and studies use/,
      );
      await expect(catalog.generate({ generator: 'shapes', seed: 3, count: 40, name: 'shapes' })).rejects.toThrow(
        /name: shapes is the generated set/,
      );
    });
  });
});
