/** What the import tests share (import-folders, import-arrays and import-refusals.test.ts): files to import and a store. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from '../../../tests/integration/helpers';
import { pixelsPerImage, type ImageDataset } from '../../ml/dataset';
import { DatasetCatalog } from './catalog';

/** A deterministic test image: every pixel a function of the image number. */
export function pattern(n: number, h: number, w: number, c: number): Uint8Array {
  return Uint8Array.from({ length: h * w * c }, (_, p) => (n * 37 + p * 11 + ((p * p) % 7) * 13) % 256);
}

export function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

export function npy(descr: string, shape: number[], data: Uint8Array): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

/** A test file's own store in a temporary folder (removed after its tests), its catalog, and readers of what it holds. */
export interface ImportStore {
  tmp: { dir: string; cleanup: () => void };
  root: string;
  catalog: DatasetCatalog;
  /** Every image of a stored set with its label, in source order (through the stored provenance). */
  bySource: (name: string) => { pixels: Uint8Array[]; labels: (number | null)[] };
  storedNames: () => string[];
}

/** Makes a test file's store; call it at the top of the file (it registers the clean-up). */
export function importStore(): ImportStore {
  const tmp = tempDir('latent-studio-import-');
  afterAll(() => tmp.cleanup());
  const root = join(tmp.dir, 'store');
  const catalog = new DatasetCatalog(root);

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

  return { tmp, root, catalog, bySource, storedNames };
}
