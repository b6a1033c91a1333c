import { z } from 'zod';
import { describeIssues, issuePath, nameMaxLength, RunConfig, unreadScheduleFields, type FieldIssue } from './config';
import { ConfigPathError, parseConfigPath, setConfigPath } from './config-path';
import { EvaluationSettings } from './evaluation-kinds';
import { createRng, deriveSeed } from './random';
import { EarlyTerminate, randomProposal, rangeEnds, searchSpace, SweepObjective } from './sweep-search';
import { StudySpec } from './study';

/**
 * A sweep in the shape researchers know from W&B's sweep configuration
 * (https://docs.wandb.ai/guides/sweeps/define-sweep-configuration): a base config, a method, and for each
 * config path either a list of values or a range with a distribution.
 */
export const SweepValues = z.strictObject({
  values: z
    .array(z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.number())]))
    .min(1, 'give at least one value'),
  /** W&B's default for a list, which its configs often spell out. */
  distribution: z.literal('categorical').optional(),
});
/** The range distributions, in W&B's names. */
export const rangeDistributions = ['uniform', 'log_uniform_values', 'log_uniform', 'int_uniform'] as const;
export const SweepRange = z
  .strictObject({
    min: z.number(),
    max: z.number(),
    /**
     * As W&B's sweeps draw them (wandb/sweeps, params.py): `log_uniform_values` between min and max evenly in log
     * space; `log_uniform` as e^x for x uniform between min and max (the bounds are natural logs).
     */
    distribution: z.enum(rangeDistributions).default('uniform'),
  })
  .refine((r) => r.min < r.max, { message: 'min must be below max', path: ['max'] })
  // A draw is min + u·(max − min): a width past float64's range draws Infinity and NaN.
  .refine((r) => Number.isFinite(r.max - r.min), {
    message: 'the range is too wide to draw from: max − min must be a finite number',
    path: ['max'],
  })
  .refine((r) => r.distribution !== 'log_uniform_values' || r.min > 0, {
    message: 'log_uniform_values needs min > 0 (log_uniform takes the logs of the bounds)',
    path: ['min'],
  })
  .refine((r) => r.distribution !== 'int_uniform' || (Number.isInteger(r.min) && Number.isInteger(r.max)), {
    message: 'int_uniform needs whole numbers',
    path: ['min'],
  });

/** What a parameter that is neither a list nor a range lacks, in words (zod's own says only "Invalid input"). */
function parameterError(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return 'a parameter is { "values": [...] } or { "min", "max", "distribution" }';
  const p = input as Record<string, unknown>;
  if ('values' in p) {
    if ('distribution' in p && p['distribution'] !== 'categorical')
      return `distribution: a list of values takes "categorical" or none, not ${JSON.stringify(p['distribution'])}`;
    return undefined;
  }
  if ('value' in p) return 'write a single value as { "values": [x] }';
  if ('parameters' in p)
    return 'W&B\'s nested parameters: name each swept field by its dotted path instead, e.g. "training.learningRate"';
  if ('distribution' in p && !(rangeDistributions as readonly unknown[]).includes(p['distribution']))
    return `distribution: ${JSON.stringify(p['distribution'])} is none of ${rangeDistributions.join(', ')} (W&B's q_ and normal distributions are not supported)`;
  if (!('min' in p) || !('max' in p)) return 'a range needs "min" and "max" (or give "values")';
  return undefined;
}

export const SweepParameter = z.union([SweepValues, SweepRange], {
  error: (issue) => parameterError(issue.input),
});
export type SweepParameter = z.infer<typeof SweepParameter>;

/** 'bayes': TPE (src/core/sweeps/tpe.ts), proposing each run from the ones before it. */
export const sweepMethods = ['grid', 'random', 'bayes'] as const;
/** The most runs one sweep may make, whatever its cap says. */
export const sweepRunLimit = 1000;

/**
 * A record of the user's keys that refuses JavaScript's own `__proto__`: zod drops that key silently (JSON.parse
 * makes it an own property), so a sweep parameter or a base field named so would vanish instead of being refused.
 */
function userRecord<V extends z.ZodType>(values: V) {
  const record = z.record(z.string(), values);
  // Typed as the record it checks (its input, not preprocess's unknown), so the spec's input type stays exact.
  return z.preprocess((input, ctx) => {
    if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__'))
      ctx.issues.push({ code: 'custom', message: 'not a config path (a JavaScript object key)', input, path: ['__proto__'] });
    return input;
  }, record) as unknown as typeof record;
}

/**
 * W&B's sweep keys that a studio sweep has no use for, and what to write instead: refused with that, not as a typo.
 * (wandb/sweeps, config/schema.json.)
 */
const wandbOnlyKeys: Record<string, string> = {
  run_cap: "W&B's cap on runs: here count says how many runs a random or bayes sweep makes, and maxRuns caps any sweep",
  program: "W&B's training script: a studio sweep trains its runs itself, each from base with its parameters",
  command: "W&B's command line: a studio sweep trains its runs itself, each from base with its parameters",
  project: "W&B's project: a sweep's runs join the experiment named after the sweep (name)",
  entity: "W&B's entity: a studio keeps its sweeps in its own database",
  description: 'not a sweep field: a sweep is labelled with notes once it is made (as a run is)',
};

const SweepSpecFields = z.strictObject({
  name: z.string().trim().min(1).max(120).meta({ label: 'Sweep name', help: 'Also the experiment its runs belong to.' }),
  /** A preset's name, or a whole run config. */
  base: z.union([z.string().min(1).max(120), userRecord(z.unknown())]),
  method: z.enum(sweepMethods),
  /** What a bayes sweep optimises, and what Hyperband judges runs by (W&B's `metric`). */
  metric: SweepObjective.optional(),
  /** Several objectives at once: a bayes sweep's multi-objective TPE, or a Pareto front reported for any method. */
  metrics: z.array(SweepObjective).min(2, 'give two or more objectives (or metric for one)').max(4).optional(),
  /** W&B's `early_terminate`: Hyperband's rungs, judged asynchronously (ASHA); works with every method. */
  early_terminate: EarlyTerminate.optional(),
  /** How many runs of a bayes sweep are proposed ahead of the results (the others count as bad: the constant liar). */
  concurrency: z.number().int().min(1).max(16).default(2),
  /** Random proposals a bayes sweep makes before TPE takes over (Optuna's n_startup_trials). */
  startup_trials: z.number().int().min(1).max(100).default(10),
  parameters: userRecord(SweepParameter).refine((p) => Object.keys(p).length > 0, 'name at least one config path to sweep'),
  /** How many configs a random sweep draws, or a bayes sweep proposes. */
  count: z.number().int().min(1).max(sweepRunLimit).optional(),
  /** A cap: a spec that would make more runs is refused. */
  maxRuns: z.number().int().min(1).max(sweepRunLimit).default(100),
  /** A study: its runs come from the families that declare a part in it, not from base × parameters (src/core/sweeps/study.ts). */
  study: StudySpec.optional(),
  /** Evaluates each run's latent space when it completes (see evaluations.start), so its figures join the runs table. */
  evaluate: EvaluationSettings.optional(),
  /** Seeds the random method's draws (the runs' own seeds are `training.seed`). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
});

/** A sweep: `SweepSpecFields`, with W&B's keys that mean nothing here refused by what to write instead. */
export const SweepSpec = z.preprocess((input, ctx) => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const known = Object.keys(wandbOnlyKeys).filter((k) => Object.hasOwn(input, k));
  for (const key of known) ctx.issues.push({ code: 'custom', message: wandbOnlyKeys[key] as string, input, path: [key] });
  return known.length === 0 ? input : Object.fromEntries(Object.entries(input).filter(([k]) => !known.includes(k)));
}, SweepSpecFields) as unknown as typeof SweepSpecFields;
export type SweepSpec = z.infer<typeof SweepSpec>;
export type SweepSpecInput = z.input<typeof SweepSpec>;

export type SweepValue = string | number | boolean | null | number[];
export interface SweepPoint {
  /** The swept paths and their values for this run, in the spec's order. */
  params: Record<string, SweepValue>;
  config: RunConfig;
  name: string;
}

/**
 * A sweep's runs, or its issues. A bayes or random sweep's `later` are runs it may make after its first (each listed
 * value and each range's ends, one path at a time): checked as its runs are, so that what is refused does not hang on
 * which values the first proposals or draws took.
 */
export type SweepCheck = { ok: true; points: SweepPoint[]; later?: SweepPoint[] } | { ok: false; issues: FieldIssue[] };

function draw(p: SweepParameter, random: () => number): SweepValue {
  if ('values' in p) return p.values[Math.min(p.values.length - 1, Math.floor(random() * p.values.length))] ?? null;
  const u = random();
  if (p.distribution === 'int_uniform') return Math.min(p.max, p.min + Math.floor(u * (p.max - p.min + 1)));
  if (p.distribution === 'log_uniform_values') return Math.exp(Math.log(p.min) + u * (Math.log(p.max) - Math.log(p.min)));
  if (p.distribution === 'log_uniform') return Math.exp(p.min + u * (p.max - p.min));
  return p.min + u * (p.max - p.min);
}

/** The paths a sweep draws on a log scale: its ranges of distribution log_uniform or log_uniform_values. */
export function logDrawnPaths(parameters: SweepSpec['parameters']): string[] {
  return Object.entries(parameters)
    .filter(([, p]) => !('values' in p) && (p.distribution === 'log_uniform' || p.distribution === 'log_uniform_values'))
    .map(([path]) => path);
}

/** How many distinct values one parameter can take: its values, an int_uniform range's integers, else endless. */
function valueCount(p: SweepParameter): number {
  if ('values' in p) return new Set(p.values.map((v) => JSON.stringify(v))).size;
  return p.distribution === 'int_uniform' ? Math.max(1, Math.floor(p.max) - Math.ceil(p.min) + 1) : Infinity;
}

/** How many distinct configs a random sweep's parameters can make (Infinity where one is a continuous range). */
export function distinctConfigs(parameters: SweepSpec['parameters']): number {
  return Object.values(parameters).reduce((n, p) => n * valueCount(p), 1);
}

/**
 * A random sweep's draws: the same for the same seed, and each config once. W&B draws with replacement, so a sweep
 * over a few listed values trains the same config twice, with the same seed, to the same figures (a wasted run, and
 * two that a comparison groups as seeds without spread); a draw that repeats one before it is drawn again.
 */
function randomDraws(spec: SweepSpec, paths: readonly string[], size: number): SweepValue[][] {
  const random = createRng(spec.seed);
  const seen = new Set<string>();
  const combos: SweepValue[][] = [];
  // Bounded although a space with room (checked before) always yields: a continuous range repeats with probability 0.
  for (let tries = 0; combos.length < size && tries < 1000 * size; tries++) {
    const combo = paths.map((path) => draw(spec.parameters[path] as SweepParameter, random));
    const key = JSON.stringify(combo);
    if (seen.has(key)) continue;
    seen.add(key);
    combos.push(combo);
  }
  return combos;
}

/**
 * W&B draws a range whose bounds are both whole numbers from int_uniform when it names no distribution
 * (wandb/sweeps, config/schema.json: the type of min and max decides). JSON cannot tell 2 from 2.0, so the field
 * decides here: a uniform range (named, or the default) of whole-number bounds over a field that takes only whole
 * numbers (a latent size, a batch size) is drawn as int_uniform, whose fractions the field would refuse; over one that
 * takes fractions (a dropout rate from 0 to 1), as uniform.
 */
export function wholeNumberRanges(spec: SweepSpec, base: RunConfig): SweepSpec {
  const whole = (path: string, p: SweepParameter) => {
    if ('values' in p || p.distribution !== 'uniform' || !Number.isInteger(p.min) || !Number.isInteger(p.max)) return false;
    const draft = structuredClone(base) as unknown as Record<string, unknown>;
    try {
      setConfigPath(draft, path, p.min + 0.5);
    } catch {
      return false; // not a config path: expandSweep says so
    }
    const parsed = RunConfig.safeParse(draft);
    return (
      !parsed.success &&
      parsed.error.issues.some((i) => issuePath(i.path) === path && i.code === 'invalid_type' && i.expected === 'int')
    );
  };
  const parameters = Object.fromEntries(
    Object.entries(spec.parameters).map(([path, p]) => [path, whole(path, p) ? { ...p, distribution: 'int_uniform' } : p]),
  ) as SweepSpec['parameters'];
  return { ...spec, parameters };
}

/** How many runs a spec makes: the grid's product, or the random method's count. */
export function sweepSize(spec: Pick<SweepSpec, 'method' | 'parameters' | 'count'>): number {
  if (spec.method !== 'grid') return spec.count ?? 0;
  return Object.values(spec.parameters).reduce((n, p) => n * ('values' in p ? p.values.length : 0), 1);
}

const paramPath = (path: string) => `parameters.${path}`;

/** A short run name from its swept values: the last segment of each path, or the whole path where two share one. */
export function sweepRunName(sweepName: string, params: Record<string, SweepValue>): string {
  const paths = Object.keys(params);
  const last = (p: string) =>
    p
      .replace(/\[(\d+)\]/g, '$1')
      .split('.')
      .pop() ?? p;
  const label = (p: string) => (paths.filter((q) => last(q) === last(p)).length > 1 ? p : last(p));
  const show = (v: SweepValue) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)) : v);
  return `${sweepName} · ${paths.map((p) => `${label(p)}=${String(show(params[p] ?? null))}`).join(' ')}`;
}

/**
 * A study's run's name: `<study> · <its own part>`, the study's name cut short (…) where the whole would be longer
 * than a run name may be. (A sweep of the user's own is refused instead, its name blamed: see expandSweep.)
 */
export function memberRunName(sweepName: string, own: string): string {
  const whole = `${sweepName} · ${own}`;
  if (whole.length <= nameMaxLength) return whole;
  const room = nameMaxLength - own.length - 4; // "… · "
  return room >= 8 ? `${sweepName.slice(0, room).trimEnd()}… · ${own}` : own.slice(0, nameMaxLength);
}

/** The keys an adaptive sweep needs together: a metric for bayes and Hyperband, one objective for Hyperband. */
function adaptiveIssues(spec: SweepSpec): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (spec.metric && spec.metrics) issues.push({ path: 'metrics', message: 'give metric or metrics, not both' });
  if (spec.method === 'bayes' && !spec.metric && !spec.metrics)
    issues.push({ path: 'metric', message: 'a bayes sweep needs a metric to optimise: { name: "test.loss", goal: "minimize" }' });
  if (spec.early_terminate && !spec.metric)
    issues.push({
      path: 'early_terminate',
      message: spec.metrics
        ? 'Hyperband judges runs by one metric: give metric (the front of several is reported at the end)'
        : 'Hyperband judges runs by a metric: give metric: { name, goal }',
    });
  if (spec.method !== 'grid' && spec.count === undefined)
    issues.push({ path: 'count', message: `a ${spec.method} sweep needs a count of runs` });
  return issues;
}

/** The first proposals of a bayes sweep: TPE's random startup trials, each from its own stream (seed, index). */
export function bayesStartup(spec: SweepSpec, n: number): Record<string, SweepValue>[] {
  const space = searchSpace(spec.parameters);
  return Array.from({ length: n }, (_, i) => randomProposal(space, createRng(deriveSeed(spec.seed, i))));
}

/**
 * Expands a parsed spec over its base config into every run's config, and checks each like any config:
 * an unknown path, a value a field refuses, or more runs than the cap is an issue naming the path.
 * `check` adds what a run gets checked against when it is started (data sets, memory): the core's `checkRun`.
 * A bayes sweep's points are its random startup proposals, and each listed value and range end is checked too:
 * its later runs are proposed as the earlier ones end (src/core/sweeps).
 */
export function expandSweep(spec: SweepSpec, base: RunConfig, check?: (config: RunConfig) => FieldIssue[]): SweepCheck {
  const issues: FieldIssue[] = adaptiveIssues(spec);
  const paths = Object.keys(spec.parameters);
  for (const path of paths) {
    const p = spec.parameters[path];
    try {
      parseConfigPath(path);
    } catch (e) {
      issues.push({
        path: paramPath(path),
        message: e instanceof ConfigPathError ? e.message.replace(`${path}: `, '') : String(e),
      });
      continue;
    }
    if (spec.method === 'grid' && p && !('values' in p)) {
      issues.push({ path: paramPath(path), message: 'a grid sweeps lists of values; a range needs method "random" or "bayes"' });
    }
    if (p && 'values' in p) {
      const seen = new Set(p.values.map((v) => JSON.stringify(v)));
      if (seen.size < p.values.length) issues.push({ path: `${paramPath(path)}.values`, message: 'a value is listed twice' });
    }
  }
  if (issues.length > 0) return { ok: false, issues };

  const size = sweepSize(spec);
  if (size > spec.maxRuns) {
    return {
      ok: false,
      issues: [{ path: 'maxRuns', message: `this sweep makes ${size} runs, more than its cap of ${spec.maxRuns}` }],
    };
  }

  // Every combination of the grid (the first path varies slowest), or `count` random draws.
  let combos: SweepValue[][] = [[]];
  let extra: SweepValue[][] = [];
  if (spec.method === 'grid') {
    for (const path of paths) {
      const p = spec.parameters[path] as z.infer<typeof SweepValues>;
      combos = combos.flatMap((c) => p.values.map((v) => [...c, v]));
    }
  } else if (spec.method === 'bayes') {
    combos = bayesStartup(spec, Math.min(size, spec.concurrency)).map((p) => paths.map((path) => p[path] ?? null));
  } else {
    const distinct = distinctConfigs(spec.parameters);
    if (size > distinct)
      return {
        ok: false,
        issues: [
          {
            path: 'count',
            message: `${size} runs, but these values make only ${distinct} distinct configs: a random sweep draws each config once (method grid runs all ${distinct}; sweep training.seed too to repeat them)`,
          },
        ],
      };
    combos = randomDraws(spec, paths, size);
  }
  if (spec.method !== 'grid') {
    // Every value a later proposal or draw may take, one path at a time in the first: whether a spec is taken must
    // not hang on which values its first runs happened to draw.
    const first = combos[0] ?? [];
    extra = paths.flatMap((path, i) => {
      const p = spec.parameters[path] as SweepParameter;
      // A random draw takes u in [0, 1): a continuous range's max is never drawn, only values below it.
      const drawable = (q: Exclude<SweepParameter, { values: unknown }>) => [draw(q, () => 0), draw(q, () => 1 - 2 ** -40)];
      const values = 'values' in p ? p.values : spec.method === 'random' ? drawable(p) : rangeEnds(p);
      return values.map((v) => first.map((x, j) => (j === i ? v : x)));
    });
  }
  const built = sweepPoints(spec, base, combos, check);
  const checked = sweepPoints(spec, base, extra, check);
  const all = [
    ...built.issues,
    ...checked.issues.filter((i) => !built.issues.some((j) => j.path === i.path && j.message === i.message)),
  ];
  return all.length > 0 ? { ok: false, issues: all } : { ok: true, points: built.points, later: checked.points };
}

/** The runs of these combinations of the swept paths' values (in the spec's order), each checked as a run is. */
export function sweepPoints(
  spec: SweepSpec,
  base: RunConfig,
  combos: readonly SweepValue[][],
  check?: (config: RunConfig) => FieldIssue[],
): { points: SweepPoint[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const paths = Object.keys(spec.parameters);
  const points: SweepPoint[] = [];
  const owner = (issue: string) =>
    paths.find((p) => issue === p || issue.startsWith(`${p}.`) || issue.startsWith(`${p}[`)) ??
    // A field the schema does not know is reported at its parent object.
    paths.find((p) => p.startsWith(`${issue}.`) || issue === '(root)');
  const seen = new Set<string>();
  // A path given one value is the same in every run: its names say only what varies (all, where nothing does).
  const single = (p: string) => {
    const param = spec.parameters[p];
    return param !== undefined && 'values' in param && param.values.length === 1;
  };
  const named = paths.some((p) => !single(p)) ? paths.filter((p) => !single(p)) : paths;
  for (const combo of combos) {
    const params = Object.fromEntries(paths.map((p, i) => [p, combo[i] ?? null])) as Record<string, SweepValue>;
    const draft = structuredClone(base) as unknown as Record<string, unknown>;
    draft.experiment = spec.name;
    draft.name = sweepRunName(spec.name, Object.fromEntries(named.map((p) => [p, params[p] ?? null])));
    for (const [path, value] of Object.entries(params)) {
      try {
        setConfigPath(draft, path, value);
      } catch (e) {
        const message = e instanceof ConfigPathError ? `${e.message}` : String(e);
        const known = { path: paramPath(path), message: `unknown config path (${message})` };
        if (!seen.has(known.path)) {
          issues.push(known);
          seen.add(known.path);
        }
      }
    }
    // A sweep over the schedule's kind runs each kind with the settings it reads: the base's step settings do not
    // follow it into a cosine run (as the form drops them), unless the sweep itself sets them.
    const schedule = (draft['training'] as { schedule?: { kind: string } & Record<string, unknown> } | undefined)?.schedule;
    if (schedule && paths.some((p) => p === 'training.schedule' || p === 'training.schedule.kind'))
      for (const { key } of unreadScheduleFields(schedule)) if (!paths.includes(`training.schedule.${key}`)) delete schedule[key];
    const parsed = RunConfig.safeParse(draft);
    const local: FieldIssue[] = parsed.success
      ? (check?.(parsed.data) ?? [])
      : parsed.error.issues.map((i) => {
          const at = issuePath(i.path);
          if (i.code === 'unrecognized_keys') {
            const unknown = i.keys.map((k) => (at === '(root)' ? k : `${at}.${k}`));
            const p = paths.find((q) => unknown.some((u) => q === u || q.startsWith(`${u}.`) || q.startsWith(`${u}[`)));
            if (p) return { path: p, message: 'unknown config path' };
          }
          return { path: at, message: i.message };
        });
    for (const issue of local) {
      const p = owner(issue.path);
      const value = p === undefined ? undefined : params[p];
      const out =
        p === undefined
          ? // The run's name and experiment are the sweep's name (with its values): too long a one is the sweep's.
            issue.path === 'name' || issue.path === 'experiment'
            ? {
                path: 'name',
                message: `too long: its runs are named after it and their values (${String(draft.name).length} characters here), and ${issue.message}`,
              }
            : { path: `base.${issue.path}`, message: issue.message }
          : issue.message === 'unknown config path'
            ? { path: paramPath(p), message: 'unknown config path: no such field in this family’s config' }
            : {
                path: paramPath(p),
                // The field's own message; a deeper field inside the swept value is named.
                message: `${typeof value === 'number' ? String(value) : JSON.stringify(value)} is refused: ${issue.path === p ? issue.message : describeIssues([issue])}`,
              };
      const key = `${out.path}\n${out.message}`;
      if (!seen.has(key)) {
        issues.push(out);
        seen.add(key);
      }
    }
    if (parsed.success) points.push({ params, config: parsed.data, name: draft.name as string });
  }
  return { points, issues };
}

/** A config's leaves by path (`model.encoder[0].units`); lists of plain values stay one leaf, shown as JSON. */
export function flattenConfig(value: unknown, prefix = '', out: Record<string, SweepValue> = {}): Record<string, SweepValue> {
  if (Array.isArray(value)) {
    if (value.some((v) => v !== null && typeof v === 'object')) value.forEach((v, i) => flattenConfig(v, `${prefix}[${i}]`, out));
    else out[prefix] = JSON.stringify(value);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out[prefix] = value as SweepValue;
  }
  return out;
}

/** The config paths whose values are not the same in every one of these flattened configs, in first-seen order. */
export function differingFields(configs: readonly Record<string, SweepValue>[], ignore: readonly string[] = ['name']): string[] {
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))];
  return keys.filter(
    (k) => !ignore.includes(k) && new Set(configs.map((c) => (k in c ? JSON.stringify(c[k]) : 'absent'))).size > 1,
  );
}
