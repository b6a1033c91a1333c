import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { datasetNamePattern, type DatasetFactor, type DatasetInfo } from '../../shared/api';
import { insideRoot, PathEscapeError } from '../paths';
import { processAlive } from '../store/supervisor';
import { fileSplit, type ImageDataset } from '../../ml/dataset';

/**
 * A stored data set is one folder under the studio's data directory, shared by every run that names it:
 *   manifest.json   what it is (shape, counts, labels, factors, source, hash)
 *   images.u8       train images then test images, HWC bytes, back to back
 *   labels.u8       train then test labels (labelled sets only)
 *   factors.f32     train then test generator factors, little-endian float32 rows (generated sets only)
 *   source.u32      for each stored image, its index in the source (file order), for provenance
 * It is written into a hidden temporary folder and renamed into place when complete, so a failed or
 * interrupted import leaves nothing behind under its name.
 */
export interface Manifest {
  format: 1;
  name: string;
  title: string;
  kind: 'generated' | 'imported';
  description: string;
  source: string;
  height: number;
  width: number;
  channels: number;
  trainCount: number;
  testCount: number;
  labelNames: string[] | null;
  factors: DatasetFactor[];
  twin: string | null;
  split: string;
  /** Relative paths of the source files, in source order (folder imports). */
  files?: string[];
  /** The generator that drew a generated set and which of its identities this set is, so any factor combination can be rendered again. */
  generator?: { kind: string; identity: number };
  hash: string;
  createdAt: string;
}

const partialPrefix = '.partial-';
/** A deleted set on its way out: no set's name starts with a dot, so no set being written is named so. */
const deletedPrefix = `${partialPrefix}.deleted-`;
/** In a set being written: the process writing it, `{ host, pid }`. */
const ownerFile = 'owner.json';
/** A set being written on another machine (a shared folder) is taken for abandoned once untouched this long. */
const abandonedAfterMs = 24 * 3600_000;

/** Whether the process writing a partial set has gone (its owner file says which; without one, it is an old crash's). */
function writerGone(dir: string): boolean {
  let owner: { host?: unknown; pid?: unknown };
  try {
    owner = JSON.parse(readFileSync(join(dir, ownerFile), 'utf8')) as typeof owner;
  } catch {
    // A deleted set on its way out (`remove`), or what an older studio was writing.
    return basename(dir).startsWith(deletedPrefix) || lastTouched(dir) < Date.now() - abandonedAfterMs;
  }
  if (owner.host !== hostname()) return lastTouched(dir) < Date.now() - abandonedAfterMs;
  return typeof owner.pid !== 'number' || (owner.pid !== process.pid && !processAlive(owner.pid));
}

/** When a folder or a file in it last changed (ms since the epoch). */
function lastTouched(dir: string): number {
  let latest = 0;
  try {
    latest = statSync(dir).mtimeMs;
    for (const entry of readdirSync(dir)) latest = Math.max(latest, statSync(join(dir, entry)).mtimeMs);
  } catch {
    // Gone meanwhile, or unreadable: judged by what was read.
  }
  return latest;
}

export class DatasetStore {
  constructor(readonly root: string) {}

  /**
   * Removes what a crashed import or generation left behind: a set being written whose process has gone. One that
   * another process is still writing (an import in another terminal, a studio beside this one) is left alone; one
   * written on another machine, until it has been untouched for a day.
   */
  sweepPartial(): void {
    if (!existsSync(this.root)) return;
    for (const entry of readdirSync(this.root)) {
      if (!entry.startsWith(partialPrefix)) continue;
      const dir = join(this.root, entry);
      if (!writerGone(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A set's folder: its name is one folder name (the contract's rule), resolved under the root or refused. */
  dir(name: string): string {
    if (!datasetNamePattern.test(name)) throw new PathEscapeError(this.root, name);
    return insideRoot(this.root, name);
  }

  has(name: string): boolean {
    return existsSync(join(this.dir(name), 'manifest.json'));
  }

  manifest(name: string): Manifest | undefined {
    const file = join(this.dir(name), 'manifest.json');
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  }

  list(): Manifest[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((e) => !e.startsWith('.') && datasetNamePattern.test(e))
      .map((e) => this.manifest(e))
      .filter((m): m is Manifest => m !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  sizeBytes(name: string): number {
    const dir = this.dir(name);
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  }

  /** For each stored image (train, then test), its index in the source: file order for folders, row for arrays. */
  sources(name: string): Uint32Array {
    const bytes = readFileSync(join(this.dir(name), 'source.u32'));
    return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }

  remove(name: string): boolean {
    if (!this.has(name)) return false;
    // Rename first, so that the name is free at once and a half-deleted folder is never seen as a data set.
    const doomed = join(this.root, `${deletedPrefix}${name}-${randomBytes(4).toString('hex')}`);
    renameSync(this.dir(name), doomed);
    rmSync(doomed, { recursive: true, force: true });
    return true;
  }

  /** Opens a stored set; its images stay on disk and are read a batch at a time. */
  open(name: string): { manifest: Manifest; dataset: Omit<ImageDataset, 'hash'> } {
    const m = this.manifest(name);
    if (!m) throw new Error(`data set ${name} is not stored`);
    const dir = this.dir(name);
    const pixels = m.height * m.width * m.channels;
    const total = m.trainCount + m.testCount;
    const labels = m.labelNames ? readFileSync(join(dir, 'labels.u8')) : null;
    const factorBytes = m.factors.length > 0 ? readFileSync(join(dir, 'factors.f32')) : null;
    const factors = factorBytes
      ? new Float32Array(factorBytes.buffer.slice(factorBytes.byteOffset, factorBytes.byteOffset + factorBytes.byteLength))
      : null;
    const f = m.factors.length;
    const images = join(dir, 'images.u8');
    if (statSync(images).size !== total * pixels) throw new Error(`data set ${name}: images.u8 does not hold ${total} images`);
    const split = (start: number, count: number) =>
      fileSplit(
        images,
        start * pixels,
        count,
        pixels,
        labels ? new Uint8Array(labels.subarray(start, start + count)) : null,
        factors ? factors.slice(start * f, (start + count) * f) : null,
      );
    return {
      manifest: m,
      dataset: {
        name,
        height: m.height,
        width: m.width,
        channels: m.channels,
        train: split(0, m.trainCount),
        test: split(m.trainCount, m.testCount),
        labelNames: m.labelNames,
      },
    };
  }

  /** Starts writing a new set; nothing appears under `name` until `commit`. */
  create(name: string, shape: { height: number; width: number; channels: number; count: number }): DatasetWriter {
    if (this.has(name)) throw new DatasetExistsError(name);
    mkdirSync(this.root, { recursive: true });
    const tmp = join(this.root, `${partialPrefix}${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(tmp);
    writeFileSync(join(tmp, ownerFile), JSON.stringify({ host: hostname(), pid: process.pid }));
    return new DatasetWriter(this, name, tmp, shape);
  }
}

export class DatasetExistsError extends Error {
  constructor(readonly datasetName: string) {
    super(`a data set named ${datasetName} already exists: choose another name or delete it first`);
    this.name = 'DatasetExistsError';
  }
}

/** Writes one set's files at known positions (so images can arrive in any order), then commits or aborts. */
export class DatasetWriter {
  private readonly fd: number;
  private readonly pixels: number;
  private readonly labels: Uint8Array;
  private readonly sourceIndex: Uint32Array;
  private factors: Float32Array | null = null;
  private closed = false;

  constructor(
    private readonly store: DatasetStore,
    readonly name: string,
    readonly dir: string,
    readonly shape: { height: number; width: number; channels: number; count: number },
  ) {
    this.pixels = shape.height * shape.width * shape.channels;
    this.fd = openSync(join(dir, 'images.u8'), 'w');
    this.labels = new Uint8Array(shape.count);
    this.sourceIndex = new Uint32Array(shape.count);
  }

  /** Stores image `bytes` (HWC, exactly one image) at stored position `position`. */
  put(position: number, bytes: Uint8Array, label: number | null, source: number, factors?: readonly number[]): void {
    if (bytes.length !== this.pixels) throw new Error(`image ${source} has ${bytes.length} bytes, expected ${this.pixels}`);
    writeSync(this.fd, bytes, 0, bytes.length, position * this.pixels);
    this.labels[position] = label ?? 0;
    this.sourceIndex[position] = source;
    if (factors) {
      this.factors ??= new Float32Array(this.shape.count * factors.length);
      this.factors.set(factors, position * factors.length);
    }
  }

  /** Hashes what was written, writes the manifest, and renames the folder into place. */
  commit(manifest: Omit<Manifest, 'format' | 'name' | 'hash' | 'createdAt' | 'height' | 'width' | 'channels'>): Manifest {
    closeSync(this.fd);
    this.closed = true;
    const hash = createHash('sha256');
    hash.update(JSON.stringify([this.shape.height, this.shape.width, this.shape.channels, manifest.trainCount]));
    const buf = Buffer.alloc(1 << 20);
    const fd = openSync(join(this.dir, 'images.u8'), 'r');
    try {
      let read: number;
      while ((read = readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, read));
    } finally {
      closeSync(fd);
    }
    if (manifest.labelNames) {
      writeFileSync(join(this.dir, 'labels.u8'), this.labels);
      hash.update(this.labels).update(JSON.stringify(manifest.labelNames));
    }
    if (this.factors) {
      const bytes = new Uint8Array(this.factors.buffer, this.factors.byteOffset, this.factors.byteLength);
      writeFileSync(join(this.dir, 'factors.f32'), bytes);
      hash.update(bytes);
    }
    writeFileSync(join(this.dir, 'source.u32'), new Uint8Array(this.sourceIndex.buffer));
    const full: Manifest = {
      format: 1,
      name: this.name,
      height: this.shape.height,
      width: this.shape.width,
      channels: this.shape.channels,
      ...manifest,
      hash: hash.digest('hex'),
      createdAt: new Date().toISOString(),
    };
    rmSync(join(this.dir, ownerFile), { force: true });
    writeFileSync(join(this.dir, 'manifest.json'), `${JSON.stringify(full, null, 1)}\n`);
    try {
      renameSync(this.dir, this.store.dir(this.name));
    } catch (e) {
      this.abort();
      if (this.store.has(this.name)) throw new DatasetExistsError(this.name);
      throw e;
    }
    return full;
  }

  abort(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The parts of DatasetInfo a manifest gives. */
export function manifestInfo(m: Manifest, sizeBytes: number): DatasetInfo {
  return {
    name: m.name,
    title: m.title,
    kind: m.kind,
    description: m.description,
    source: m.source,
    height: m.height,
    width: m.width,
    channels: m.channels,
    trainCount: m.trainCount,
    testCount: m.testCount,
    classes: m.labelNames?.length ?? 0,
    labelNames: m.labelNames,
    factors: m.factors,
    twin: m.twin,
    split: m.split,
    available: true,
    stored: true,
    hint: null,
    sizeBytes,
    hash: m.hash,
    createdAt: m.createdAt,
  };
}
