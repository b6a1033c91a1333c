import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/integration/helpers';
import { DatasetCatalog } from './catalog';
import { builtinHashFile, builtins } from './builtins';
import { contentHash, forgetContentHashes } from './content-hash';
import { openIdx } from './idx';
import { idx, pattern } from './import-fixtures';

const tmp = tempDir('latent-studio-builtins-');
afterAll(() => tmp.cleanup());

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest('hex');
};

/** Fashion-MNIST's four files, in the order the hash takes them: 5 training and 3 test images of 28 x 28. */
function fashionFiles(): [string, Buffer][] {
  const f = builtins['fashion-mnist']!.files;
  return [
    [f.trainImages, idx([5, 28, 28], pattern(1, 5, 28, 28))],
    [f.trainLabels, idx([5], Uint8Array.from([4, 3, 2, 1, 0]))],
    [f.testImages, idx([3, 28, 28], pattern(2, 3, 28, 28))],
    [f.testLabels, idx([3], Uint8Array.from([9, 8, 7]))],
  ];
}

function writeFolder(name: string, gzipped: boolean): string {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of fashionFiles()) writeFileSync(join(dir, file), gzipped ? gzipSync(bytes) : bytes);
  return dir;
}

function image(split: { readBytes: (i: number[], out: Uint8Array) => void }, i: number): number[] {
  const out = new Uint8Array(784);
  split.readBytes([i], out);
  return [...out];
}

describe('a built-in set', () => {
  it.each([
    ['plain IDX files, its images left in them', false],
    ['gzipped IDX files, read whole', true],
  ])('from %s: every image and label, and the sha256 of the four whole files runs have recorded', (what, gzipped) => {
    const root = join(tmp.dir, `studio-${what.length}`);
    mkdirSync(root);
    const catalog = new DatasetCatalog(root, { fashionDir: writeFolder(`fashion-${gzipped}`, gzipped) });
    const { dataset, hash } = catalog.openWhole('fashion-mnist');
    expect(hash).toBe(sha256(...fashionFiles().map(([, bytes]) => bytes)));
    expect([dataset.train.count, dataset.test.count]).toEqual([5, 3]);
    expect([...dataset.train.labels!]).toEqual([4, 3, 2, 1, 0]);
    for (let i = 0; i < 5; i++)
      expect(image(dataset.train, i)).toEqual([...pattern(1, 5, 28, 28).subarray(i * 784, (i + 1) * 784)]);
    expect(image(dataset.test, 2)).toEqual([...pattern(2, 3, 28, 28).subarray(2 * 784)]);
    expect('readBytesAsync' in dataset.train).toBe(!gzipped);
    // What a run sees is held in memory: its images read once, not a file read per batch.
    const run = catalog.open({ name: 'fashion-mnist', trainSubset: 2 });
    expect(run.train.count).toBe(2);
    expect('readBytesAsync' in run.train).toBe(false);
    expect(image(run.train, 1)).toEqual(image(dataset.train, 1));
    expect(Object.values(JSON.parse(readFileSync(join(root, builtinHashFile), 'utf8')) as object)).toEqual([hash]);
  });

  it("holds a run's images from when they are first drawn, read once: opening the set only to count them reads none", () => {
    const root = join(tmp.dir, 'studio-lazy');
    mkdirSync(root);
    const dir = writeFolder('fashion-lazy', false);
    const catalog = new DatasetCatalog(root, { fashionDir: dir });
    const run = catalog.open({ name: 'fashion-mnist', trainSubset: 2 });
    expect(run.train.count).toBe(2);
    // The images change in the file after the open (at the same size): the first draw reads them then.
    const file = join(dir, builtins['fashion-mnist']!.files.trainImages);
    const changed = pattern(3, 5, 28, 28);
    writeFileSync(file, idx([5, 28, 28], changed));
    expect(image(run.train, 1)).toEqual([...changed.subarray(784, 2 * 784)]);
    // Read once and held: a later change is not seen.
    writeFileSync(file, idx([5, 28, 28], pattern(4, 5, 28, 28)));
    expect(image(run.train, 1)).toEqual([...changed.subarray(784, 2 * 784)]);
    expect(image(run.train, 0)).toEqual([...changed.subarray(0, 784)]);
  });

  it('refuses a plain file whose length its header does not promise, naming it, by its header alone', () => {
    const dir = join(tmp.dir, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'short'), idx([4, 28, 28], pattern(1, 3, 28, 28)));
    writeFileSync(join(dir, 'long'), Buffer.concat([idx([1, 28, 28], pattern(1, 1, 28, 28)), Buffer.from([1, 2])]));
    writeFileSync(join(dir, 'empty'), '');
    expect(() => openIdx(join(dir, 'short'))).toThrow(/^short: truncated: header promises 3136 bytes .*holds 2352$/);
    expect(() => openIdx(join(dir, 'long'))).toThrow(/^long: 2 unexpected bytes after the data$/);
    expect(() => openIdx(join(dir, 'empty'))).toThrow(/^empty: is empty \(0 bytes\)$/);
    expect(() => openIdx(join(dir, 'missing'))).toThrow(/^missing: cannot be read \(ENOENT\)$/);
    // A folder where the file should be opens, and fails at its first read: named all the same.
    mkdirSync(join(dir, 'folder'));
    expect(() => openIdx(join(dir, 'folder'))).toThrow(/^folder: cannot be read \(EISDIR\)$/);
  });
});

describe('contentHash', () => {
  const dir = join(tmp.dir, 'hashed');
  mkdirSync(dir);
  const files = ['a', 'b'].map((f) => join(dir, f));
  const cache = join(dir, 'cache.json');
  const sources = () => files.map(openIdx);

  it('is the sha256 of the files in order, remembered in the cache file, and read from it while the files stay', () => {
    writeFileSync(files[0]!, idx([2], Uint8Array.from([1, 2])));
    writeFileSync(files[1]!, idx([3], Uint8Array.from([3, 4, 5])));
    const truth = sha256(...files.map((f) => readFileSync(f)));
    expect(contentHash(files, sources(), cache)).toBe(truth);
    const [key, stored] = Object.entries(JSON.parse(readFileSync(cache, 'utf8')) as Record<string, string>)[0]!;
    expect(stored).toBe(truth);
    // Read back, not computed: a remembered value is what is returned.
    writeFileSync(cache, JSON.stringify({ [key]: 'f'.repeat(64) }));
    forgetContentHashes();
    expect(contentHash(files, sources(), cache)).toBe('f'.repeat(64));
  });

  it('hashes a file again once it changes, though its size stays and the cache still holds the old value', () => {
    rmSync(cache, { force: true });
    forgetContentHashes();
    // Computed, and kept in the cache under the files' key as they are now.
    const before = contentHash(files, sources(), cache);
    expect(before).toBe(sha256(...files.map((f) => readFileSync(f))));
    writeFileSync(files[1]!, idx([3], Uint8Array.from([3, 4, 6])));
    const mtime = statSync(files[1]!).mtime;
    utimesSync(files[1]!, mtime, new Date(mtime.getTime() + 1000));
    forgetContentHashes();
    const after = contentHash(files, sources(), cache);
    expect(after).not.toBe(before);
    expect(after).toBe(sha256(...files.map((f) => readFileSync(f))));
  });

  it('hashes a file again that was rewritten in place with its old mtime put back (cp -p, rsync -a --inplace)', () => {
    const second = 1_700_000_000;
    utimesSync(files[1]!, second, second);
    forgetContentHashes();
    expect(contentHash(files, sources(), cache)).toBe(sha256(...files.map((f) => readFileSync(f))));
    writeFileSync(files[1]!, idx([3], Uint8Array.from([9, 9, 9])));
    utimesSync(files[1]!, second, second);
    forgetContentHashes();
    expect(contentHash(files, sources(), cache)).toBe(sha256(...files.map((f) => readFileSync(f))));
  });
  it("sweeps what a crashed writer left beside the cache, and not a live writer's or a fresh one", () => {
    const dead = 4_194_305; // beyond Linux's largest pid: no process has it
    const aged = (name: string) => {
      writeFileSync(join(dir, name), '{');
      utimesSync(join(dir, name), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    };
    aged(`cache.json.${dead}.partial`);
    aged(`cache.json.${process.ppid}.partial`);
    aged(`other.json.${dead}.partial`);
    writeFileSync(join(dir, `cache.json.${dead + 1}.partial`), '{');
    rmSync(cache, { force: true });
    forgetContentHashes();
    contentHash(files, sources(), cache);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.partial'))
        .sort(),
    ).toEqual([`cache.json.${dead + 1}.partial`, `cache.json.${process.ppid}.partial`, `other.json.${dead}.partial`].sort());
  });
});
