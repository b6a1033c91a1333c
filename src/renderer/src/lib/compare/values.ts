/** Comparing runs: their config values and labels, metric keys, the config table and each run's image at an epoch. */
import {
  trainingSecondsKey,
  type ArtifactInfo,
  type Curve,
  type FamilyInfo,
  type RunStatus,
  type RunsTable,
} from '../../../../shared/api';
import { TrainingConfig } from '../../../../shared/config';
import { perDimensionOf } from '../../../../shared/runs-table';
import { andList } from '../../../../shared/sweep-search';
import { formFields } from '../schema-form';

export type ConfigValue = RunsTable['rows'][number]['config'][string];
export type CompareRow = Pick<RunsTable['rows'][number], 'id' | 'name' | 'config'> &
  Partial<Pick<RunsTable['rows'][number], 'family'>>;
export type MetricSplit = Curve['split'];

/** Config paths that name a run rather than configure it. */
export const bookkeepingPaths: readonly string[] = ['name', 'experiment'];
export const seedPath = 'training.seed';

// ---- metrics

/** A figure's split and name, the held-out split's too (`val.loss`, a column of the runs table); undefined otherwise. */
function figureOf(key: string): { split: string; name: string } | undefined {
  const m = /^(train|test|val)\.(.+)$/.exec(key);
  return m ? { split: m[1] as string, name: m[2] as string } : undefined;
}

/** `test.kl` → { split: 'test', name: 'kl' }; undefined for a key without a known split. */
export function parseMetricKey(key: string): { split: MetricSplit; name: string } | undefined {
  const dot = key.indexOf('.');
  const split = key.slice(0, dot);
  const name = key.slice(dot + 1);
  if (dot < 0 || name === '' || (split !== 'train' && split !== 'test')) return undefined;
  return { split, name };
}

const unfinishedWords: Record<Exclude<RunStatus, 'completed'>, string> = {
  stopped: 'stopped early by the sweep',
  running: 'still training',
  queued: 'queued',
  interrupted: 'interrupted',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * What the hollow points (or dotted lines) of a chart of final metrics are: the runs drawn that did not complete, counted by what became
 * of them (their figures are of their last epoch, not of every epoch they were given); null when every run completed.
 */
export function unfinishedNote(
  rows: readonly Pick<RunsTable['rows'][number], 'status'>[],
  mark: 'Hollow' | 'Dotted' = 'Hollow',
): string | null {
  const counts = new Map<Exclude<RunStatus, 'completed'>, number>();
  for (const { status } of rows) if (status !== 'completed') counts.set(status, (counts.get(status) ?? 0) + 1);
  if (counts.size === 0) return null;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const runs = total === 1 ? 'a run' : `${total} runs`;
  const drawn = `drawn at ${total === 1 ? 'its' : 'their'} last epoch.`;
  const [only] = [...counts.keys()];
  if (counts.size === 1 && only) return `${mark}: ${runs} ${unfinishedWords[only]}, ${drawn}`;
  const how = [...counts].map(([status, n]) => `${n} ${unfinishedWords[status]}`).join(', ');
  return `${mark}: ${runs} that did not complete (${how}), ${drawn}`;
}

/** The metric a comparison opens on: test loss, else the first test metric, else the first. */
export function defaultMetric(metrics: readonly string[]): string | undefined {
  return metrics.includes('test.loss') ? 'test.loss' : (metrics.find((m) => m.startsWith('test.')) ?? metrics[0]);
}

/** The training fields that define the loss (the reconstruction loss and its setting), as the schema marks them. */
const trainingScalesLoss = new Set(
  formFields(TrainingConfig)
    .filter((f) => f.schema.scalesLoss)
    .map((f) => `training.${f.key}`),
);

/**
 * The metric a comparison opens on. Test loss, unless the runs differ in a field that defines their loss (β, a
 * penalty's weight: FieldSchema.scalesLoss): then a figure measured alike in each, the first their family declares
 * `comparable` (the −ELBO: a β sweep does not open on rec + β·KL, which each run weighs by its own β), else the test
 * MSE; runs that differ in their reconstruction loss open on the test MSE. Only runs with test figures are asked to
 * report it (one still queued has none). Otherwise as `defaultMetric`.
 */
/**
 * The differing fields that define the loss (a training loss, a family's β or penalty weight: `scalesLoss`), where
 * the runs are of one family (of several, only the training fields are known to).
 */
export function lossScalingFields(
  table: Pick<RunsTable, 'fields' | 'rows'>,
  families: readonly Pick<FamilyInfo, 'id' | 'modelSchema'>[],
): string[] {
  const ids = new Set(table.rows.map((r) => r.family));
  const family = ids.size === 1 ? families.find((f) => ids.has(f.id)) : undefined;
  const properties = (family?.modelSchema['properties'] ?? {}) as Record<string, { scalesLoss?: boolean } | undefined>;
  return table.fields.filter(
    (f) => trainingScalesLoss.has(f) || (f.startsWith('model.') && properties[f.slice('model.'.length)]?.scalesLoss),
  );
}

export function comparisonMetric(
  table: Pick<RunsTable, 'fields' | 'metrics' | 'rows'>,
  families: readonly Pick<FamilyInfo, 'id' | 'metrics' | 'modelSchema'>[],
): string | undefined {
  const measured = table.rows.filter((r) => Object.keys(r.metrics).some((k) => k.startsWith('test.')));
  const reported = (m: string): boolean => measured.length > 0 && measured.every((r) => r.metrics[m] !== undefined);
  const ids = new Set(table.rows.map((r) => r.family));
  const family = ids.size === 1 ? families.find((f) => ids.has(f.id)) : undefined;
  const scaling = lossScalingFields(table, families);
  const training = scaling.some((f) => trainingScalesLoss.has(f));
  if (scaling.length === 0) return defaultMetric(table.metrics);
  const comparable = training ? undefined : family?.metrics.find((m) => m.comparable && reported(`test.${m.name}`));
  if (comparable) return `test.${comparable.name}`;
  return reported('test.mse') ? 'test.mse' : defaultMetric(table.metrics);
}

/**
 * The scatter's default axes: rate (KL) against distortion (reconstruction) when the runs have both, as for VAEs;
 * else the test loss against another test metric that says something of its own, else against training time (quality
 * against cost). Given the rows, a metric every run has the same value of is passed over (a constant axis shows
 * nothing), and so is one equal to the loss in every run (an autoencoder's test MSE is its loss, to float rounding:
 * a diagonal) and a baseline (the mean image's error describes the data, not the model).
 */
export function defaultScatterAxes(
  metrics: readonly string[],
  rows?: readonly Pick<RunsTable['rows'][number], 'metrics'>[],
): { x: string; y: string } | undefined {
  const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  const varies = (m: string) => !rows || new Set(rows.map((r) => r.metrics[m]).filter(known)).size > 1;
  // Equal but for float32 rounding: the loss is a mean over batches in float32 (~1e-4 relative), the MSE a sum in float64.
  const close = (u: number | undefined, v: number | undefined) =>
    !known(u) || !known(v) || Math.abs(u - v) <= 1e-3 * Math.max(Math.abs(u), Math.abs(v));
  const sameAs = (a: string, b: string) => !!rows && rows.every((r) => close(r.metrics[a], r.metrics[b]));
  const moving = metrics.filter(varies);
  if (moving.includes('test.kl') && moving.includes('test.reconstruction')) return { x: 'test.kl', y: 'test.reconstruction' };
  const test = moving.filter((m) => m.startsWith('test.'));
  const pool = test.length >= 2 ? test : moving.length >= 2 ? moving : metrics;
  const y = defaultMetric(test.length > 0 ? test : pool);
  if (y === undefined) return undefined;
  const telling = test.find((m) => m !== y && !m.includes('baseline') && !sameAs(m, y));
  if (telling) return { x: telling, y };
  if (moving.includes(trainingSecondsKey) && y !== trainingSecondsKey) return { x: trainingSecondsKey, y };
  const x = pool.find((m) => m !== y);
  return x !== undefined ? { x, y } : undefined;
}

/**
 * Units of a metric that differ between the runs' families, or null when they agree: a loss is per image (nats)
 * in a VAE and per pixel in a VQ-VAE, so one column or axis of both mixes units.
 */
export function mixedUnits(
  key: string,
  rows: readonly Pick<RunsTable['rows'][number], 'family'>[],
  families: readonly Pick<FamilyInfo, 'id' | 'label' | 'lossUnit' | 'metrics'>[],
): string | null {
  const parsed = figureOf(key);
  if (!parsed) return null;
  const byUnit = new Map<string, Set<string>>();
  for (const id of new Set(rows.map((r) => r.family))) {
    const f = families.find((x) => x.id === id);
    if (!f) continue;
    const declared = f.metrics.find((m) => m.name === parsed.name)?.unit;
    // The loss, and its reconstruction part where the family declares no unit of its own, are in the loss's unit.
    const unit = parsed.name === 'loss' || (parsed.name === 'reconstruction' && !declared) ? f.lossUnit : declared;
    if (!unit) continue;
    const names = byUnit.get(unit) ?? new Set<string>();
    names.add(f.label);
    byUnit.set(unit, names);
  }
  if (byUnit.size < 2) return null;
  return `mixed units: ${[...byUnit].map(([unit, names]) => `${unit} (${[...names].join(', ')})`).join('; ')}`;
}

/** The training fields that define the loss's scale (marked `scalesLoss`: the reconstruction loss, Smooth L1's β). */
const trainingScales = formFields(TrainingConfig)
  .filter((f) => f.schema.scalesLoss)
  .map((f) => ({ path: `training.${f.key}`, label: f.schema.label ?? f.key }));

/**
 * Where a loss's scale differs between the rows: they differ in a field that defines it (β, a penalty's weight,
 * the reconstruction loss: fields marked `scalesLoss`), so a run with a smaller β reports a smaller loss without
 * being a better model. Names those fields; null where the rows agree on them, or the metric is no loss.
 */
export function mixedScale(
  key: string,
  rows: readonly Pick<RunsTable['rows'][number], 'family' | 'config'>[],
  families: readonly Pick<FamilyInfo, 'id' | 'modelSchema'>[],
): string | null {
  if (figureOf(key)?.name !== 'loss') return null;
  const fields = new Map(trainingScales.map((f) => [f.path, f.label]));
  /** The model fields each family declares: a row's value of a field its family declares but leaves out is "absent". */
  const declares = new Map<string, Set<string>>();
  for (const id of new Set(rows.map((r) => r.family))) {
    const properties = families.find((f) => f.id === id)?.modelSchema['properties'] as
      Record<string, { label?: unknown; scalesLoss?: unknown }> | undefined;
    declares.set(id, new Set(Object.keys(properties ?? {}).map((name) => `model.${name}`)));
    for (const [name, field] of Object.entries(properties ?? {})) {
      if (field.scalesLoss === true && !fields.has(`model.${name}`))
        fields.set(`model.${name}`, typeof field.label === 'string' ? field.label : name);
    }
  }
  // A run of a family without the field (an AE has no β) is not compared on it; one that leaves it out (no
  // capacity C: its loss weighs the KL by β, not by γ·|KL − C|) differs from one that sets it.
  const valueOf = (r: (typeof rows)[number], path: string) =>
    r.config[path] !== undefined
      ? [JSON.stringify(r.config[path])]
      : path.startsWith('training.') || declares.get(r.family)?.has(path)
        ? ['absent']
        : [];
  const differing = [...fields].filter(([path]) => new Set(rows.flatMap((r) => valueOf(r, path))).size > 1);
  if (differing.length === 0) return null;
  const labels = differing.map(([, label]) => label);
  return `the loss is defined by ${andList(labels)}, which ${labels.length > 1 ? 'differ' : 'differs'} between these runs (a lower loss need not be a better model)`;
}

/** What makes a metric's values unlike between the rows: mixed units, or a loss defined differently (null: neither). */
export function unlikeFigures(
  key: string,
  rows: readonly Pick<RunsTable['rows'][number], 'family' | 'config'>[],
  families: readonly Pick<FamilyInfo, 'id' | 'label' | 'lossUnit' | 'metrics' | 'modelSchema'>[],
): string | null {
  return mixedUnits(key, rows, families) ?? mixedScale(key, rows, families);
}

/**
 * Where the rows' families declare one model field under different labels (β-TC-VAE's γ weighs the dimension-wise KL,
 * FactorVAE's the total correlation), what it is in each: a column of it holds unlike numbers. Null where it is one thing.
 */
export function mixedMeaning(
  path: string,
  rows: readonly Pick<RunsTable['rows'][number], 'family'>[],
  families: readonly Pick<FamilyInfo, 'id' | 'label' | 'modelSchema'>[],
): string | null {
  const key = /^model\.([A-Za-z_$][\w$]*)$/.exec(path)?.[1];
  if (key === undefined) return null;
  const byLabel = new Map<string, string[]>();
  for (const id of new Set(rows.map((r) => r.family))) {
    const f = families.find((x) => x.id === id);
    const field = (f?.modelSchema['properties'] as Record<string, { label?: unknown }> | undefined)?.[key];
    if (!f || typeof field?.label !== 'string') continue;
    byLabel.set(field.label, [...(byLabel.get(field.label) ?? []), f.label]);
  }
  if (byLabel.size < 2) return null;
  return `means different things: ${[...byLabel].map(([label, names]) => `${label} in ${names.join(', ')}`).join('; ')}`;
}

/** Per-dimension metrics (kl_dim_3) go last: a picker lists the figures of the whole model first. */
const perDimensionName = /_\d+$/;

/** Metrics in the order a picker lists them: test before train, per-dimension ones last, otherwise as given. */
export function orderMetrics(metrics: readonly string[]): string[] {
  const rank = (m: string) => (perDimensionName.test(m) ? 2 : 0) + (m.startsWith('test.') ? 0 : 1);
  return metrics
    .map((m, i) => [m, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
    .map(([m]) => m);
}

/** The figures every run logs, as the run page names them (MSE, not mse). */
const commonTitles: Record<string, string> = { mse: 'MSE', baseline_mse: 'mean-image MSE' };

/** A metric key in words: the label a family declares for it (test.neg_elbo → test −ELBO), else split and name. */
export function metricTitle(key: string, families: readonly Pick<FamilyInfo, 'metrics'>[]): string {
  if (key === trainingSecondsKey) return 'training time (s)';
  const parsed = parseMetricKey(key);
  if (!parsed) return key;
  const metrics = families.flatMap((f) => f.metrics);
  // One of a per-dimension set (kl_dim_0): named by its dimension as the run page's bars name it, z1 for the first.
  const dimension = perDimensionOf(key, families);
  if (dimension) {
    const { set, slider } = dimension;
    return `${parsed.split} ${set.label} · ${slider}${set.unit ? ` (${set.unit})` : ''}`;
  }
  const declared = metrics.find((m) => m.name === parsed.name && !m.perDimension);
  if (!declared) return `${parsed.split} ${commonTitles[parsed.name] ?? parsed.name.replaceAll('_', ' ')}`;
  const label = declared.label.replace(/^(test|train) /, '');
  return `${parsed.split} ${label}${declared.unit ? ` (${declared.unit})` : ''}`;
}

// ---- values and labels

/**
 * A config value as a short string: whole numbers as they are (1024, not 1020: a batch size or a seed), others to 3
 * significant digits (2e-4, 1.02e-4, 0.5), lists as JSON.
 */
export function formatValue(v: ConfigValue | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    const abs = Math.abs(v);
    if (Number.isInteger(v) && abs < 1e6) return String(v);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e6))
      return v
        .toExponential(2)
        .replace(/\.?0+e/, 'e')
        .replace('e+', 'e');
    return String(Number(v.toPrecision(3)));
  }
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

/** Short labels for config paths: the last segment (model.beta → beta), the whole path where two share it. */
export function fieldLabels(paths: readonly string[]): Record<string, string> {
  const last = (p: string) =>
    p
      .replace(/\[(\d+)\]/g, '.$1')
      .split('.')
      .pop() ?? p;
  // A layer's field shared with other layers reads by its stack and place: "encoder 1 units", not model.encoder[0].units.
  const whole = (p: string) => {
    const layer = /^model\.(\w+)\[(\d+)\]\.(\w+)$/.exec(p);
    return layer ? `${layer[1]} ${Number(layer[2]) + 1} ${layer[3]}` : p;
  };
  return Object.fromEntries(paths.map((p) => [p, paths.filter((q) => last(q) === last(p)).length > 1 ? whole(p) : last(p)]));
}

/** A value's identity for sets and maps. */
export const keyOf = (v: ConfigValue | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));

/** Orders config values: numbers ascending, then everything else by its text. */
export function compareValues(a: ConfigValue | undefined, b: ConfigValue | undefined): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return formatValue(a).localeCompare(formatValue(b));
}

// ---- images

/** A kind as a title: the title a family's view gives it, else its name in words (prior-samples → Prior samples). */
export function kindTitle(kind: string, families: readonly Pick<FamilyInfo, 'views'>[]): string {
  const declared = families.flatMap((f) => f.views).find((v) => v.kind === kind);
  if (declared) return declared.title;
  const words = kind.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Each run's image of this kind at the largest epoch not after `epoch` (the newest such when a run stored two). */
export function imagesAtEpoch<A extends Pick<ArtifactInfo, 'id' | 'kind' | 'epoch' | 'runId'>>(
  index: readonly A[],
  kind: string,
  epoch: number,
): Map<number, A> {
  const out = new Map<number, A>();
  for (const a of index) {
    if (a.kind !== kind || a.epoch > epoch) continue;
    const best = out.get(a.runId);
    if (!best || a.epoch > best.epoch || (a.epoch === best.epoch && a.id > best.id)) out.set(a.runId, a);
  }
  return out;
}

// ---- config table

export interface ConfigTableRow {
  path: string;
  values: (ConfigValue | undefined)[];
  /** For each run that leaves the field unset, what that means (`unsetMeaning`), where its schema says. */
  unset: (string | undefined)[];
  differs: boolean;
}

/**
 * Rows of config paths, one value per run: the differing fields (their order), or every path the runs have. A row
 * differs when what it shows does (a run's name too, which the differing fields leave out): a field one run leaves
 * unset and another sets to what unset means (uniform) reads alike.
 */
export function configTable(
  rows: readonly CompareRow[],
  fields: readonly string[],
  all: boolean,
  unsetOf: (row: CompareRow, path: string) => string | undefined = () => undefined,
  /** With `all`: fields no run sets, shown as what leaving them unset means (`unsetPaths`). */
  unsetPaths: readonly string[] = [],
): ConfigTableRow[] {
  const paths = all
    ? [...new Set([...rows.flatMap((r) => Object.keys(r.config)), ...unsetPaths])]
    : fields.filter((f) => f !== 'name');
  return paths.map((path) => {
    const values = rows.map((r) => r.config[path]);
    const unset = rows.map((r, i) => (values[i] === undefined ? unsetOf(r, path) : undefined));
    // Exactly (not as rounded for show: 1.234e-4 and 1.2345e-4 differ), with unset read as what it means.
    const meant = values.map((v, i) => unset[i] ?? (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : keyOf(v)));
    return { path, values, unset, differs: new Set(meant).size > 1 };
  });
}
