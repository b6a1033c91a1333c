import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/integration/helpers';
import { DatasetCatalog, generators } from './catalog';
import { pixelsPerImage } from '../../ml/dataset';

const tmp = tempDir('latent-studio-gen-');
afterAll(() => tmp.cleanup());

function bytesOf(root: string, name: string, file: string): Buffer {
  return readFileSync(join(root, name, file));
}

describe.each([
  ['shapes', ['gen'], 300],
  ['faces', ['gen-a', 'gen-b'], 120],
] as const)('the %s generator', (kind, names, count) => {
  const roots = ['one', 'same', 'other'].map((r) => join(tmp.dir, kind, r));
  const catalogs = roots.map((r) => new DatasetCatalog(r));

  it('gives identical bytes for one seed and different bytes for another', async () => {
    await catalogs[0]!.generate({ generator: kind, seed: 7, count, name: 'gen' });
    await catalogs[1]!.generate({ generator: kind, seed: 7, count, name: 'gen' });
    await catalogs[2]!.generate({ generator: kind, seed: 8, count, name: 'gen' });
    for (const name of names) {
      for (const file of ['images.u8', 'factors.f32']) {
        expect(bytesOf(roots[1]!, name, file).equals(bytesOf(roots[0]!, name, file))).toBe(true);
        expect(bytesOf(roots[2]!, name, file).equals(bytesOf(roots[0]!, name, file))).toBe(false);
      }
      expect(catalogs[1]!.info(name)?.hash).toBe(catalogs[0]!.info(name)?.hash);
      expect(catalogs[2]!.info(name)?.hash).not.toBe(catalogs[0]!.info(name)?.hash);
    }
  });

  it('stores the factors the generator drew: rendering them again gives every stored image', () => {
    const gen = generators[kind];
    const f = gen.factors.length;
    names.forEach((name, identity) => {
      const ds = catalogs[0]!.open({ name });
      expect(ds.train.count + ds.test.count).toBe(count);
      expect(ds.test.count).toBe(Math.round(count * 0.1));
      const pixels = pixelsPerImage(ds);
      expect(pixels).toBe(64 * 64 * gen.channels);
      for (const split of [ds.train, ds.test]) {
        const stored = new Uint8Array(split.count * pixels);
        split.readBytes(
          Uint32Array.from({ length: split.count }, (_, i) => i),
          stored,
        );
        const again = new Uint8Array(pixels);
        for (let i = 0; i < split.count; i++) {
          const factors = Array.from(split.factors!.subarray(i * f, (i + 1) * f));
          factors.forEach((v, k) => {
            const def = gen.factors[k]!;
            expect(v).toBeGreaterThanOrEqual(def.min);
            expect(v).toBeLessThanOrEqual(def.max);
            if (def.values) expect(def.values.some((g) => Math.fround(g) === v)).toBe(true);
          });
          if (kind === 'shapes') expect(split.labels?.[i]).toBe(factors[0]);
          gen.render(factors, identity, again);
          expect(Buffer.from(again).equals(Buffer.from(stored.subarray(i * pixels, (i + 1) * pixels)))).toBe(true);
        }
      }
    });
  });

  it('draws every factor across its range', () => {
    const gen = generators[kind];
    const ds = catalogs[0]!.open({ name: names[0] });
    const f = gen.factors.length;
    gen.factors.forEach((def, k) => {
      const values = Array.from({ length: ds.train.count }, (_, i) => ds.train.factors![i * f + k] as number);
      const span = def.max - def.min;
      expect(Math.min(...values)).toBeLessThan(def.min + 0.25 * span);
      expect(Math.max(...values)).toBeGreaterThan(def.max - 0.25 * span);
    });
  });
});

describe('the faces pair', () => {
  it('has twins: image i of A and of B share factors but not pixels', async () => {
    const root = join(tmp.dir, 'twins');
    const catalog = new DatasetCatalog(root);
    const [a, b] = await catalog.generate({ generator: 'faces', seed: 3, count: 40 });
    expect(a?.name).toBe('faces-s3-n40-a');
    expect(a?.twin).toBe('faces-s3-n40-b');
    expect(b?.twin).toBe('faces-s3-n40-a');
    expect(bytesOf(root, a!.name, 'factors.f32').equals(bytesOf(root, b!.name, 'factors.f32'))).toBe(true);
    const pa = catalog.samples(a!.name, 'test', 0, 4).items;
    const pb = catalog.samples(b!.name, 'test', 0, 4).items;
    pa.forEach((item, i) => {
      expect(item.factors).toEqual(pb[i]?.factors);
      // Different identities: their skin, hair and outline differ in a good share of the pixels.
      let differing = 0;
      for (let p = 0; p < item.bytes.length; p++) if (Math.abs((item.bytes[p] ?? 0) - (pb[i]?.bytes[p] ?? 0)) > 40) differing++;
      expect(differing / item.bytes.length).toBeGreaterThan(0.1);
    });
  });
});

describe('a default set asked for by two runs at once', () => {
  it('is drawn once, and the second waits for it instead of being refused', async () => {
    const catalog = new DatasetCatalog(join(tmp.dir, 'defaults'));
    const [a, b] = await Promise.all([catalog.ensure('faces-a'), catalog.ensure('faces-b')]);
    expect(a.map((d) => d.name)).toEqual(['faces-a', 'faces-b']);
    expect(b).toEqual([]);
    expect(catalog.info('faces-b')).toMatchObject({ available: true, trainCount: 3600, testCount: 400 });
    // One twin deleted: drawn again beside the other, the same images from the same seed.
    const hash = catalog.info('faces-b')?.hash;
    expect(catalog.delete('faces-b')).toBe(true);
    expect((await catalog.ensure('faces-b')).map((d) => d.name)).toEqual(['faces-b']);
    expect(catalog.info('faces-b')?.hash).toBe(hash);
  });
});

describe('a pair of twins whose second set cannot be stored', () => {
  it('stores neither: no twin is left naming a set that does not exist', async () => {
    const root = join(tmp.dir, 'half');
    const catalog = new DatasetCatalog(root);
    // Something takes B's folder while the pair is drawn (another process): B's commit fails.
    const taken = () => mkdirSync(join(root, 'pair-b', 'in-the-way'), { recursive: true });
    // A was committed, then taken back when B's commit failed.
    const removed: string[] = [];
    const remove = catalog.store.remove.bind(catalog.store);
    catalog.store.remove = (name: string) => (removed.push(name), remove(name));
    await expect(catalog.generate({ generator: 'faces', seed: 1, count: 20, name: 'pair' }, taken)).rejects.toThrow(/pair-b/);
    expect(removed).toEqual(['pair-a']);
    expect([catalog.info('pair-a'), catalog.store.has('pair-b')]).toEqual([undefined, false]);
    expect(readdirSync(root).filter((e) => e.startsWith('.partial-'))).toEqual([]);
  });
});

describe('a stored split read a batch at a time', () => {
  it('gives the same bytes read asynchronously (the trainer’s prefetch) as read at once, in any order', async () => {
    const catalog = new DatasetCatalog(join(tmp.dir, 'shapes', 'one'));
    const split = catalog.open({ name: 'gen' }).train;
    expect(typeof split.readBytesAsync).toBe('function');
    const indices = Uint32Array.from([5, 6, 7, 100, 3, 4, 250, 0]);
    const now = new Uint8Array(indices.length * 4096);
    const later = new Uint8Array(indices.length * 4096);
    split.readBytes(indices, now);
    await split.readBytesAsync?.(indices, later);
    expect(Buffer.from(later).equals(Buffer.from(now))).toBe(true);
    expect(now.some((v) => v !== 0)).toBe(true);
    await expect(split.readBytesAsync?.([split.count], later)).rejects.toThrow(/outside the split/);
  });
});
