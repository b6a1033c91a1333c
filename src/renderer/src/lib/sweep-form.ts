import { DatasetRef, TrainingConfig, backendNames, type FieldIssue } from '../../../shared/config';
import type { EvaluationKind } from '../../../shared/evaluation-kinds';
import { flattenConfig, type rangeDistributions, type SweepSpecInput, type SweepValue } from '../../../shared/sweep';
import { objectiveScaleWarning, type SweepObjective } from '../../../shared/sweep-search';
import { familySpec } from '../../../families/specs';
import { formFields, humanize, type FieldSchema, type FormField } from './schema-form';

/**
 * Splits "0.5, 2, 8" (or "[16, 8], [32, 16]") at its top-level commas; each item is JSON where it parses
 * (numbers, true, null, [..], "quoted"), else the text itself (relu).
 */
export function parseValueList(text: string): SweepValue[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      try {
        // The schema refuses what is not a sweep value (an object), naming the parameter.
        return JSON.parse(t) as SweepValue;
      } catch {
        return t;
      }
    });
}

/** The inverse of parseValueList: text stays bare unless it would read back as something else. */
export function formatValueList(values: readonly SweepValue[]): string {
  return values
    .map((v) => {
      if (typeof v !== 'string') return JSON.stringify(v);
      const back = parseValueList(v);
      return back.length === 1 && back[0] === v ? v : JSON.stringify(v);
    })
    .join(', ');
}

/** A config field a sweep can vary or fix: a number, a choice or a switch, with the form's label. */
export interface ConfigField {
  path: string;
  label: string;
  kind: 'number' | 'integer' | 'boolean' | 'enum' | 'text';
  options?: string[];
  /** The base config's value, where it sets one. */
  value: SweepValue | undefined;
  /** The loss is defined by it (FieldSchema.scalesLoss). */
  scalesLoss?: true;
}

function kindOf(schema: FieldSchema): ConfigField['kind'] | null {
  if (schema.enum) return 'enum';
  if (schema.type === 'number' || schema.type === 'integer' || schema.type === 'boolean') return schema.type;
  if (schema.type === 'string') return 'text';
  return null;
}

const valueKind = (v: SweepValue | undefined): ConfigField['kind'] =>
  typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text';

/**
 * The fields of a base config a sweep can name, in the form's order (model, training, data set, backend, then
 * each layer's settings), labelled as the new-run form labels them. Optional fields the base leaves unset are
 * listed too; lists (classes, shapes) and the run's own name are not.
 */
export function configFields(base: unknown): ConfigField[] {
  const config = (base ?? {}) as Record<string, unknown>;
  const family = typeof config['family'] === 'string' ? config['family'] : '';
  const modelSchema = familySpec(family)?.modelSchema;
  const leaves = flattenConfig(config);
  const fields: ConfigField[] = [];
  const taken = new Set<string>();
  const add = (field: ConfigField) => {
    if (taken.has(field.path)) return;
    taken.add(field.path);
    fields.push(field);
  };
  const sections: [string, FormField[]][] = [
    ['model', modelSchema ? formFields(modelSchema) : []],
    ['training', formFields(TrainingConfig, ['checkpoints'])],
    ['dataset', formFields(DatasetRef)],
  ];
  const stackLabels = new Map<string, string>();
  const addField = (path: string, label: string, schema: FieldSchema) => {
    const kind = kindOf(schema);
    if (kind)
      add({
        path,
        label,
        kind,
        ...(schema.enum ? { options: schema.enum } : {}),
        value: leaves[path],
        ...(schema.scalesLoss ? { scalesLoss: true as const } : {}),
      });
  };
  for (const [section, list] of sections) {
    for (const f of list) {
      const path = `${section}.${f.key}`;
      const label = f.schema.label ?? humanize(f.key);
      if (f.schema.widget === 'stack') stackLabels.set(f.key, label);
      // An object of settings (a schedule, early stopping): each of its fields, e.g. training.schedule.kind.
      if (f.schema.type === 'object')
        for (const [key, sub] of Object.entries(f.schema.properties ?? {}))
          addField(`${path}.${key}`, `${label}: ${sub.label ?? humanize(key)}`, sub);
      else addField(path, label, f.schema);
    }
  }
  add({ path: 'backend', label: 'Backend', kind: 'enum', options: [...backendNames], value: leaves['backend'] });
  for (const [path, value] of Object.entries(leaves)) {
    if (taken.has(path) || ['name', 'experiment', 'family'].includes(path)) continue;
    // flattenConfig keeps a list of plain values as one JSON leaf; a sweep sets those whole, which the comma list cannot say.
    if (typeof value === 'string' && value.startsWith('[')) continue;
    const layer = /^model\.(\w+)\[(\d+)\]\.(\w+)$/.exec(path);
    if (layer?.[3] === 'type') continue;
    const label = layer
      ? `${stackLabels.get(layer[1] ?? '') ?? humanize(layer[1] ?? '')} layer ${Number(layer[2]) + 1}: ${layer[3]}`
      : path;
    add({ path, label, kind: valueKind(value), value });
  }
  return fields;
}

/** The sweep's objective warned of where it is a loss and the sweep varies what defines it (see objectiveScaleWarning). */
export function lossScaleWarning(
  metric: string,
  swept: readonly string[],
  fields: readonly ConfigField[],
  choices: readonly string[],
  declared: Parameters<typeof objectiveScaleWarning>[3] = [],
): string | null {
  const scaling = fields.filter((f) => f.scalesLoss && swept.includes(f.path));
  return objectiveScaleWarning(metric, scaling, choices, declared);
}

/** A range's distribution, in W&B's names (log_uniform_values: the bounds are values; log_uniform: their logs). */
export type Distribution = (typeof rangeDistributions)[number];

/** One row of the parameter list: a config path and either its values or (random method) a range. */
export interface ParameterRow {
  id: number;
  path: string;
  mode: 'values' | 'range';
  values: string;
  min: number | undefined;
  max: number | undefined;
  distribution: Distribution;
}

export interface SweepForm {
  name: string;
  base: string | Record<string, unknown>;
  method: SweepSpecInput['method'];
  parameters: readonly ParameterRow[];
  /** Number fields bound with `bind:value` read null when emptied: null and undefined both mean "not set". */
  count: number | null | undefined;
  maxRuns: number | null | undefined;
  seed: number | null | undefined;
  /** What to evaluate of each run as it completes (none: no evaluation). */
  evaluate?: readonly EvaluationKind[];
  /** What a bayes sweep optimises and Hyperband judges by; a second one makes a front of the two (`metrics`). */
  metric?: SweepObjective | undefined;
  secondMetric?: SweepObjective | null | undefined;
  /** Hyperband's early termination (null: every run trains to its end). */
  hyperband?: { min_iter: number | null | undefined; eta: number | null | undefined } | null | undefined;
  /** Runs a bayes sweep proposes ahead of the results. */
  concurrency?: number | null | undefined;
  /** Random proposals a bayes sweep makes before TPE (Optuna's n_startup_trials). */
  startupTrials?: number | null | undefined;
}

const isSet = (v: number | null | undefined): v is number => v !== undefined && v !== null;

/** The spec the form describes, in the contract's shape; rows without a path yet are left out. */
export function buildSweepSpec(form: SweepForm): SweepSpecInput {
  const parameters: SweepSpecInput['parameters'] = {};
  for (const row of form.parameters) {
    if (row.path === '') continue;
    parameters[row.path] =
      row.mode === 'range' && form.method !== 'grid'
        ? { min: row.min ?? Number.NaN, max: row.max ?? Number.NaN, distribution: row.distribution }
        : { values: parseValueList(row.values) };
  }
  const objectives = form.metric
    ? form.secondMetric
      ? { metrics: [form.metric, form.secondMetric] }
      : { metric: form.metric }
    : {};
  const adaptive = form.method === 'bayes' || form.hyperband || form.secondMetric;
  return {
    name: form.name,
    base: form.base,
    method: form.method,
    parameters,
    ...(form.method !== 'grid' && isSet(form.count) ? { count: form.count } : {}),
    ...(isSet(form.maxRuns) ? { maxRuns: form.maxRuns } : {}),
    ...(form.method !== 'grid' && isSet(form.seed) ? { seed: form.seed } : {}),
    ...(form.evaluate && form.evaluate.length > 0 ? { evaluate: { what: [...form.evaluate] } } : {}),
    ...(adaptive ? objectives : {}),
    ...(form.hyperband
      ? {
          early_terminate: {
            type: 'hyperband' as const,
            min_iter: form.hyperband.min_iter ?? Number.NaN,
            eta: form.hyperband.eta ?? Number.NaN,
          },
        }
      : {}),
    ...(form.method === 'bayes' && isSet(form.concurrency) ? { concurrency: form.concurrency } : {}),
    ...(form.method === 'bayes' && isSet(form.startupTrials) ? { startup_trials: form.startupTrials } : {}),
  };
}

/**
 * The form's random start for a bayes sweep of `count` runs, until the user sets one: half its runs, at most Optuna's
 * 10 (n_startup_trials), so that a sweep of 10 runs or fewer is not a random search by default.
 */
export function defaultStartupTrials(count: number | null | undefined): number {
  return Math.max(1, Math.min(10, Math.floor((count ?? 20) / 2)));
}

/**
 * How a bayes sweep's runs come, in words, for the preview: the first `now` listed, the others random draws until
 * `startup` runs have been made (and the first `now` are random whatever it says), then TPE's proposals. A sweep of
 * no more runs than its random start is a random search, and says so.
 */
export function bayesPlan(total: number, now: number, startup: number): string {
  const later = total - now;
  if (later <= 0) return '';
  const random = Math.max(startup, now);
  if (random >= total)
    return `The first ${now} now; the other ${later} are random draws too: TPE proposes only after ${startup} random runs, and this sweep makes ${total}.`;
  return `The first ${now} now; the other ${later} as earlier runs end: random up to run ${random}, then proposed by TPE from the results.`;
}

/**
 * An issue's path as the form names its fields: the API names a request's fields from its input (`spec.maxRuns`),
 * the sweep check from the spec (`maxRuns`, `parameters.model.beta`, `base.dataset.trainSubset`).
 */
export function specIssuePath(path: string): string {
  return path.replace(/^spec\./, '');
}

/** The issues at a field or inside it (`parameters.model.beta` holds `parameters.model.beta.values`). */
export function issuesAt(issues: readonly FieldIssue[], path: string): FieldIssue[] {
  return issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
}

/**
 * The issues of each parameter row: an issue goes to the row with the longest path that holds it, so
 * `parameters.model.encoder[0].units` is not also shown under a row sweeping `model.encoder`.
 */
export function parameterIssues(issues: readonly FieldIssue[], paths: readonly string[]): Map<string, FieldIssue[]> {
  const byPath = new Map<string, FieldIssue[]>(paths.map((p) => [p, []]));
  const longestFirst = [...new Set(paths)].filter((p) => p !== '').sort((a, b) => b.length - a.length);
  for (const issue of issues) {
    const owner = longestFirst.find((p) => issuesAt([issue], `parameters.${p}`).length > 0);
    if (owner !== undefined) byPath.get(owner)?.push(issue);
  }
  return byPath;
}
