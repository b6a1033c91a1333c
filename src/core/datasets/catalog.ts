import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetDetail, DatasetInfo, GenerateRequest, ImportRequest } from '../../shared/api';
import { datasetNamePattern } from '../../shared/api';
import type { DatasetFacts, DatasetRef } from '../../shared/config';
import { createRng } from '../../shared/random';
import {
  classCount,
  concatSplits,
  firstImages,
  holdOutValidation,
  inMemory,
  labelCounts,
  pixelsPerImage,
  selectClasses,
  type ImageDataset,
} from '../../ml/dataset';
import type { GeneratorKind, ImageGenerator } from './generators/generator';
import {
  builtins,
  defaultGenerated,
  generatedNames,
  generatedSplit,
  generatedTestFraction,
  generators,
  loadBuiltin,
  builtinHashFile,
  type Builtin,
} from './builtins';
import { importDataset, suggestedName, type ImportProgress } from './import';
import { DatasetStore, manifestInfo } from './store';

export { debianFashionMnistDir, generators } from './builtins';

export class DatasetError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'bad_request',
    message: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

/**
 * Every data set a run can name: the built-in ones (read from their packages), generated ones (written
 * once from a seed) and imported ones, the last two stored under the studio's data directory.
 */
export class DatasetCatalog {
  readonly store: DatasetStore;
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(
    root: string,
    private readonly options: { fashionDir?: string } = {},
  ) {
    this.store = new DatasetStore(root);
  }

  private builtinDir(b: Builtin): string {
    return b.info.name === 'fashion-mnist' ? (this.options.fashionDir ?? b.dir()) : b.dir();
  }

  private builtinAvailable(b: Builtin): boolean {
    const dir = this.builtinDir(b);
    return Object.values(b.files).every((f) => existsSync(join(dir, f)));
  }

  private builtinInfo(b: Builtin): DatasetInfo {
    const available = this.builtinAvailable(b);
    const dir = this.builtinDir(b);
    return {
      ...b.info,
      source: b.info.name === 'fashion-mnist' ? `${dir} (Debian package dataset-fashion-mnist)` : b.info.source,
      available,
      stored: available,
      hint: available ? null : b.missingHint,
      sizeBytes: available ? Object.values(b.files).reduce((s, f) => s + statSync(join(dir, f)).size, 0) : 0,
      hash: null,
      createdAt: null,
    };
  }

  private pendingInfo(name: string): DatasetInfo {
    const d = defaultGenerated[name] as (typeof defaultGenerated)[string];
    const gen = generators[d.generator];
    const names = generatedNames(gen, d.generator);
    const testCount = Math.max(1, Math.round(d.count * generatedTestFraction));
    return {
      name,
      title: gen.identities.length > 1 ? `${gen.title} ${name.slice(-1).toUpperCase()}` : gen.title,
      kind: 'generated',
      description: gen.description,
      source: `generator ${d.generator}, seed ${d.seed}, ${d.count} images`,
      height: gen.height,
      width: gen.width,
      channels: gen.channels,
      trainCount: d.count - testCount,
      testCount,
      classes: gen.labelNames?.length ?? 0,
      labelNames: gen.labelNames,
      factors: gen.factors,
      twin: names.find((n) => n !== name) ?? null,
      split: generatedSplit,
      available: true,
      stored: false,
      hint: 'generated on first use',
      sizeBytes: 0,
      hash: null,
      createdAt: null,
    };
  }

  list(): DatasetInfo[] {
    const stored = this.store.list().map((m) => manifestInfo(m, this.store.sizeBytes(m.name)));
    const storedNames = new Set(stored.map((s) => s.name));
    const pending = Object.keys(defaultGenerated)
      .filter((n) => !storedNames.has(n))
      .map((n) => this.pendingInfo(n));
    return [
      ...Object.values(builtins).map((b) => this.builtinInfo(b)),
      ...[...stored, ...pending].sort((a, b) => a.name.localeCompare(b.name)),
    ];
  }

  info(name: string): DatasetInfo | undefined {
    const b = builtins[name];
    if (b) return this.builtinInfo(b);
    const m = this.store.manifest(name);
    if (m) return manifestInfo(m, this.store.sizeBytes(name));
    return name in defaultGenerated ? this.pendingInfo(name) : undefined;
  }

  /** What the config checks need to know of every set, by name. */
  facts(): Map<string, DatasetFacts> {
    return new Map(this.list().map((d) => [d.name, d]));
  }

  private requireInfo(name: string): DatasetInfo {
    const info = this.info(name);
    if (!info) throw new DatasetError('not_found', `no data set named ${name}`);
    if (!info.available) throw new DatasetError('not_found', `data set ${name} is ${info.hint}`);
    return info;
  }

  /**
   * The generator a generated set was drawn from and its identity, which can render any combination of the set's
   * factors (the β-VAE and FactorVAE scores need images with one factor held fixed); null for other sets. Sets
   * written before the manifest named it are recognised by their `source` line and name.
   */
  generatorOf(name: string): { generator: ImageGenerator; identity: number } | null {
    const m = this.store.manifest(name);
    if (!m || m.kind !== 'generated') return null;
    const kind = m.generator?.kind ?? /^generator (\w+),/.exec(m.source)?.[1];
    const generator = kind !== undefined && Object.hasOwn(generators, kind) ? generators[kind as GeneratorKind] : undefined;
    if (!generator) return null;
    const identity =
      m.generator?.identity ?? (generator.identities.length > 1 ? generator.identities.indexOf(name.slice(-1)) : 0);
    return identity >= 0 && identity < generator.identities.length ? { generator, identity } : null;
  }

  /** Generates a default set (shapes, faces-a/b) the first time something needs it; returns the sets it wrote. */
  async ensure(name: string, progress?: ImportProgress): Promise<DatasetInfo[]> {
    if (builtins[name] || this.store.has(name)) return [];
    const d = defaultGenerated[name];
    if (!d) {
      this.requireInfo(name);
      return [];
    }
    // Another run started together is drawing it now: wait for that instead of being refused as a conflict.
    const inFlight = this.#busy.get(d.generator);
    if (inFlight) {
      await inFlight.catch(() => undefined);
      if (this.store.has(name)) return [];
    }
    // Only what is missing: one twin deleted is drawn again (the same images, from the same seed) beside the other.
    const request = { generator: d.generator, seed: d.seed, count: d.count, name: d.generator };
    return this.generate(request, progress, true).catch((e: unknown) => {
      // Another caller generated it meanwhile: fine.
      if (!this.store.has(name)) throw e;
      return [];
    });
  }

  private exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.#busy.has(key)) throw new DatasetError('conflict', `${key} is already being written`);
    const p = task().finally(() => this.#busy.delete(key));
    this.#busy.set(key, p);
    return p;
  }

  /** `asDefault`: the set is one of the default generated ones, drawn with its default settings. */
  private checkNewName(name: string, asDefault = false): void {
    if (!datasetNamePattern.test(name)) {
      throw new DatasetError(
        'bad_request',
        `name: "${name}" is not a valid data set name (1-64 lower-case letters, digits, ".", "_" or "-")`,
      );
    }
    if (builtins[name]) throw new DatasetError('conflict', `name: ${name} is a built-in data set`);
    if (defaultGenerated[name] && !asDefault) {
      throw new DatasetError(
        'conflict',
        `name: ${name} is the generated set the presets and studies use (generated on first use); choose another name`,
      );
    }
    if (this.store.has(name)) throw new DatasetError('conflict', `name: a data set named ${name} already exists`);
  }

  /**
   * Draws `count` images from the generator with `seed` and stores them (one set, or one per identity:
   * `name-a`, `name-b`, twins by index; `missingOnly`: those not stored). The last 10% drawn are the test split.
   */
  async generate(req: GenerateRequest, progress?: ImportProgress, missingOnly = false): Promise<DatasetInfo[]> {
    const gen = generators[req.generator];
    const base = req.name ?? `${gen.kind}-s${req.seed}-n${req.count}`;
    const names = generatedNames(gen, base);
    const isDefault = (n: string) => {
      const d = defaultGenerated[n];
      return d !== undefined && d.generator === req.generator && d.seed === req.seed && d.count === req.count;
    };
    // Faces are stored as two sets, <name>-a and <name>-b: the name leaves room for the suffix.
    const longest = Math.max(...names.map((n) => n.length));
    if (req.name !== undefined && names.length > 1 && longest > 64)
      throw new DatasetError(
        'bad_request',
        `name: a ${gen.kind} set is stored as ${names.length} (${names.map((n) => `<name>${n.slice(base.length)}`).join(', ')}), each at most 64 characters: give at most ${64 - (longest - base.length)}`,
      );
    const identities = names.flatMap((n, k) => (missingOnly && this.store.has(n) ? [] : [k]));
    identities.forEach((k) => this.checkNewName(names[k] as string, isDefault(names[k] as string)));
    return this.exclusive(base, async () => {
      const testCount = Math.max(1, Math.round(req.count * generatedTestFraction));
      const trainCount = req.count - testCount;
      const shape = { height: gen.height, width: gen.width, channels: gen.channels, count: req.count };
      const writers = new Map(identities.map((k) => [k, this.store.create(names[k] as string, shape)]));
      const committed: string[] = [];
      try {
        const rng = createRng(req.seed);
        const image = new Uint8Array(gen.height * gen.width * gen.channels);
        for (let i = 0; i < req.count; i++) {
          const f = gen.draw(rng);
          writers.forEach((w, identity) => {
            gen.render(f, identity, image);
            w.put(i, image, gen.label(f), i, f);
          });
          if (i % 500 === 499 && i + 1 < req.count) {
            progress?.(i + 1, req.count);
            await new Promise<void>((r) => setImmediate(r));
          }
        }
        progress?.(req.count, req.count);
        const manifests = [...writers].map(([k, w]) => {
          const manifest = w.commit({
            title: names.length > 1 ? `${gen.title} ${(gen.identities[k] as string).toUpperCase()}` : gen.title,
            kind: 'generated',
            description: gen.description,
            source: `generator ${gen.kind}, seed ${req.seed}, ${req.count} images`,
            trainCount,
            testCount,
            labelNames: gen.labelNames,
            factors: gen.factors,
            generator: { kind: gen.kind, identity: k },
            twin: names.length > 1 ? (names[1 - k] as string) : null,
            split: generatedSplit,
          });
          committed.push(manifest.name);
          return manifest;
        });
        return manifests.map((m) => manifestInfo(m, this.store.sizeBytes(m.name)));
      } catch (e) {
        // Both twins or neither: one committed before the other failed goes too, unless the pair is whole anyway
        // (another studio stored the other twin meanwhile, from the same seed).
        writers.forEach((w) => w.abort());
        if (!names.every((n) => this.store.has(n))) for (const name of committed) this.store.remove(name);
        throw e;
      }
    });
  }

  async import(req: ImportRequest, progress?: ImportProgress): Promise<DatasetInfo> {
    const name = req.name ?? suggestedName(req.path);
    this.checkNewName(name);
    const m = await this.exclusive(name, () => importDataset(this.store, req, name, progress));
    return manifestInfo(m, this.store.sizeBytes(m.name));
  }

  delete(name: string): boolean {
    if (builtins[name]) throw new DatasetError('conflict', `${name} is a built-in data set and cannot be deleted`);
    return this.store.remove(name);
  }

  /** One stored or built-in set, whole, with its hash. */
  openWhole(name: string): { dataset: Omit<ImageDataset, 'hash'>; hash: string } {
    const b = builtins[name];
    if (b) {
      this.requireInfo(name);
      return loadBuiltin(b, this.builtinDir(b), existsSync(this.store.root) ? join(this.store.root, builtinHashFile) : null);
    }
    if (!this.store.has(name)) {
      if (defaultGenerated[name]) throw new DatasetError('not_found', `data set ${name} has not been generated yet`);
      throw new DatasetError('not_found', `no data set named ${name}`);
    }
    const { manifest, dataset } = this.store.open(name);
    return { dataset, hash: manifest.hash };
  }

  /**
   * The images a run sees: the named set (with A's images as identity 0 and `second`'s as identity 1 when
   * a second set is named), only `classes` when chosen, then the first train/test subsets.
   */
  open(ref: DatasetRef): ImageDataset {
    const first = this.openWhole(ref.name);
    let ds: Omit<ImageDataset, 'hash'> = first.dataset;
    const hash = createHash('sha256').update(first.hash);
    if (ref.second) {
      const second = this.openWhole(ref.second);
      const b = second.dataset;
      if (b.height !== ds.height || b.width !== ds.width || b.channels !== ds.channels) {
        throw new DatasetError(
          'bad_request',
          `dataset.second: ${ref.second} holds ${b.height}x${b.width}x${b.channels} images, ${ref.name} ${ds.height}x${ds.width}x${ds.channels}`,
        );
      }
      hash.update(`second=${second.hash}`);
      const pixels = pixelsPerImage(ds);
      const pair = (a: ImageDataset['train'], bb: ImageDataset['train'], limit: number | undefined) => {
        // A subset takes half its images from each identity.
        const half = limit === undefined ? undefined : Math.ceil(limit / 2);
        const pa = firstImages(a, half);
        const pb = firstImages(bb, half);
        const labels = new Uint8Array(pa.count + pb.count);
        labels.fill(1, pa.count);
        return concatSplits([pa, pb], labels, pixels);
      };
      ds = {
        ...ds,
        name: `${ref.name}+${ref.second}`,
        train: pair(ds.train, b.train, ref.trainSubset),
        test: pair(ds.test, b.test, ref.testSubset),
        labelNames: [ref.name, ref.second],
      };
    } else if (ref.classes) {
      ds = selectClasses({ ...ds, hash: '' }, ref.classes, ref.trainSubset, ref.testSubset);
    } else {
      ds = { ...ds, train: firstImages(ds.train, ref.trainSubset), test: firstImages(ds.test, ref.testSubset) };
    }
    if (builtins[ref.name] && (ref.second === undefined || builtins[ref.second])) {
      // A built-in set is small enough to hold: what the run sees is read once, when first drawn (the first N
      // images in one read), not image by image as each batch is drawn; a stored set stays on disk, however large.
      const pixels = pixelsPerImage(ds);
      const pair = ref.second !== undefined;
      ds = { ...ds, train: inMemory(ds.train, pixels, pair), test: inMemory(ds.test, pixels, pair) };
    }
    hash.update(JSON.stringify({ classes: ref.classes ?? null, train: ref.trainSubset ?? null, test: ref.testSubset ?? null }));
    if (ref.validationFraction !== undefined) {
      ds = { ...ds, ...holdOutValidation(ds.train, ref.validationFraction) };
      hash.update(`validation=${ref.validationFraction}`);
    }
    return { ...ds, hash: hash.digest('hex') };
  }

  /**
   * Whether a run on `ref` sees a generated pair of twins (A = ref.name, B = ref.second, image i of each
   * drawn from the same factors), so that a decoder swap can be scored against the true twin.
   */
  isTwinPair(ref: DatasetRef): boolean {
    return ref.second !== undefined && this.info(ref.name)?.twin === ref.second;
  }

  detail(name: string): DatasetDetail {
    const info = this.requireInfo(name);
    if (!info.stored) return { ...info, trainLabelCounts: [], testLabelCounts: [] };
    const { dataset } = this.openWhole(name);
    const classes = Math.max(info.classes, classCount(dataset));
    return {
      ...info,
      trainLabelCounts: labelCounts(dataset.train, classes),
      testLabelCounts: labelCounts(dataset.test, classes),
    };
  }

  /** Images `offset`… of a split as bytes, with their labels and factors, for the browser's thumbnails. */
  samples(
    name: string,
    split: 'train' | 'test',
    offset: number,
    count: number,
  ): {
    total: number;
    info: DatasetInfo;
    items: { index: number; label: number | null; factors: number[] | null; bytes: Uint8Array }[];
  } {
    const info = this.requireInfo(name);
    const { dataset } = this.openWhole(name);
    const s = dataset[split];
    const pixels = pixelsPerImage(dataset);
    const n = Math.max(0, Math.min(count, s.count - offset));
    const indices = Uint32Array.from({ length: n }, (_, i) => offset + i);
    const bytes = new Uint8Array(n * pixels);
    s.readBytes(indices, bytes);
    const f = info.factors.length;
    return {
      total: s.count,
      info,
      items: Array.from(indices, (index, k) => ({
        index,
        label: s.labels ? (s.labels[index] as number) : null,
        factors: s.factors ? Array.from(s.factors.subarray(index * f, (index + 1) * f)) : null,
        bytes: bytes.subarray(k * pixels, (k + 1) * pixels),
      })),
    };
  }
}

/** MNIST as a run sees it, without a studio (tests, benchmarks): built-in sets need no data directory. */
export function loadMnist(ref: Omit<DatasetRef, 'name'> = {}): ImageDataset {
  return new DatasetCatalog(join(process.cwd(), '.no-datasets')).open({ name: 'mnist', ...ref });
}
