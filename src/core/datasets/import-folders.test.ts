import { execFileSync, spawn } from 'node:child_process';
import type * as Fs from 'node:fs';
import { lstatSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import { idx, importStore, pattern } from './import-fixtures';

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

const { tmp, catalog, bySource, storedNames } = importStore();

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

  it("turns a photo as its EXIF orientation says, as it is shown (a camera's portrait is stored sideways)", async () => {
    const dir = join(tmp.dir, 'oriented');
    mkdirSync(dir);
    // Stored 8 wide and 4 high, black on the left, white on the right; orientation 6: shown turned 90° clockwise,
    // 4 wide and 8 high, black above, white below.
    const stored = Uint8Array.from({ length: 8 * 4 }, (_, i) => (i % 8 < 4 ? 0 : 255));
    await sharp(stored, { raw: { width: 8, height: 4, channels: 1 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toFile(join(dir, 'portrait.jpg'));
    // A second image, upright as stored: 4 wide and 8 high, as the first is shown.
    await sharp(new Uint8Array(4 * 8).fill(128), { raw: { width: 4, height: 8, channels: 1 } })
      .png()
      .toFile(join(dir, 'upright.png'));
    const info = await catalog.import({ path: dir, name: 'oriented', channels: 1 });
    expect([info.width, info.height]).toEqual([4, 8]);
    const shown = bySource('oriented').pixels[0]!;
    expect([...shown].map((v) => (v < 64 ? 0 : v > 192 ? 1 : -1))).toEqual(
      Array.from({ length: 32 }, (_, i) => (i < 16 ? 0 : 1)),
    );
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
