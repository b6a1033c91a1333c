/**
 * The keys of an adaptive sweep, in W&B's names (https://docs.wandb.ai/guides/sweeps/define-sweep-configuration):
 * the metric (or metrics) a sweep optimises, and Hyperband early termination. The rung epochs and the objectives'
 * helpers live here so the core, the CLI and the renderer read a spec the same way.
 */
import { z } from 'zod';
import type { Rng } from './random';
import type { SweepParameter, SweepValue } from './sweep';

/** A run's metric as `split.name` (`test.loss`, `train.loss`, `test.neg_elbo`), and whether lower or higher is better. */
export const SweepObjective = z.strictObject({
  name: z
    .string()
    .regex(
      /^(train|test|val)\.[A-Za-z0-9_]+$/,
      'a metric is split.name, e.g. test.loss (or val.loss where the runs hold a validation split)',
    )
    .meta({ label: 'Metric', help: 'The epoch metric the sweep optimises, e.g. test.loss.' }),
  /** As W&B's: minimize where none is given. */
  goal: z.enum(['minimize', 'maximize']).default('minimize'),
});
export type SweepObjective = z.infer<typeof SweepObjective>;

/**
 * W&B's `early_terminate`: Hyperband's brackets, run asynchronously (ASHA, Li et al. 2020). Its bands, as W&B's
 * sweeps make them (wandb/sweeps, hyperband_stopping.py): with `max_iter` and `s`, the `s` bands
 * ⌊max_iter / eta^k⌋ (k = 1…s, none under 1); else ⌊min_iter · eta^k⌋ (k = 0, 1, …). A band of n is judged after
 * n epochs of the run's own training (pretraining not counted).
 */
export const EarlyTerminate = z
  .strictObject({
    type: z.literal('hyperband'),
    min_iter: z.number().int().min(1).optional(),
    max_iter: z.number().int().min(1).optional(),
    s: z.number().int().min(1).max(10).optional(),
    eta: z.number().min(2, 'eta must be at least 2 (runs kept per rung: 1/eta)').max(10).default(3),
  })
  .superRefine((e, ctx) => {
    if (e.max_iter !== undefined && e.s === undefined && e.min_iter === undefined)
      ctx.addIssue({ code: 'custom', path: ['s'], message: 'max_iter needs s, the number of brackets' });
    else if (e.min_iter === undefined && e.max_iter === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['min_iter'],
        message: 'give min_iter, or max_iter with s (the number of brackets)',
      });
  });
export type EarlyTerminate = z.infer<typeof EarlyTerminate>;

/**
 * The epochs of its own training at which Hyperband judges a run that trains `epochs` epochs: every band before
 * its last epoch. `max_iter` with `s` wins over `min_iter`, as in W&B.
 */
export function rungEpochs(early: EarlyTerminate, epochs: number): number[] {
  const bands: number[] = [];
  if (early.max_iter !== undefined && early.s !== undefined) {
    let band = early.max_iter;
    for (let k = 0; k < early.s; k++) {
      band /= early.eta;
      if (band < 1) break;
      bands.push(Math.floor(band));
    }
  } else if (early.min_iter !== undefined) {
    for (let band = early.min_iter; band < epochs; band *= early.eta) bands.push(Math.floor(band));
  }
  return [...new Set(bands)].filter((b) => b < epochs).sort((a, b) => a - b);
}

/** The objectives a spec names: `metric`, or each of `metrics`. */
export function sweepObjectives(spec: { metric?: SweepObjective; metrics?: SweepObjective[] }): SweepObjective[] {
  return spec.metrics ?? (spec.metric ? [spec.metric] : []);
}

/**
 * The metrics every run of a family reports each epoch (`split.name`), from its declared metrics: what a sweep
 * can optimise and judge runs by. (Evaluations' figures come only at the end, too late for a rung.)
 */
export function epochMetricNames(
  declared: readonly {
    name: string;
    perDimension?: string | undefined;
    losses?: string[] | undefined;
    needs?: 'labels' | 'twinSets' | undefined;
    afterTraining?: boolean | undefined;
    setting?: boolean | undefined;
  }[],
  loss?: string,
  /** Whether the runs hold a validation split out of their training images (its loss and MSE each epoch). */
  validation = false,
  /** What the runs' data set gives (labels, a twin pair), where it is known: a figure that needs more is left out. */
  has?: { labels: boolean; twinSets: boolean },
  /** Judged at Hyperband's rungs, epochs into training: a figure measured once after the last epoch is none it reads. */
  atRungs = false,
): string[] {
  const own = declared
    .filter(
      (m) =>
        !m.perDimension &&
        !m.setting &&
        (!loss || !m.losses || m.losses.includes(loss)) &&
        (!m.needs || !has || has[m.needs]) &&
        !(atRungs && m.afterTraining),
    )
    .map((m) => `test.${m.name}`);
  return [...new Set(['test.loss', 'train.loss', 'test.mse', ...(validation ? ['val.loss', 'val.mse'] : []), ...own])];
}

/** Names as a sentence lists them: "β", "β and γ", "loss, β and γ". */
export function andList(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
}

/**
 * Why a sweep's objective cannot judge its runs: the sweep varies `scaling`, fields that define the loss (β, a
 * penalty's weight, the reconstruction loss, the noise: a family marks them `scalesLoss`), and the objective is the
 * loss (a run with a smaller β reports a smaller loss without being a better model), or, where the reconstruction loss
 * itself varies, a figure that depends on it (a likelihood: declared with `losses`). Names the figures among `choices`
 * measured alike in every run (those the family declares `comparable`, the MSE); null when the objective is not so
 * compromised. The sweep form shows it under the objective, the CLI and `sweeps.create` as a warning.
 */
export function objectiveScaleWarning(
  metric: string,
  scaling: readonly { path: string; label: string }[],
  choices: readonly string[],
  declared: readonly { name: string; comparable?: boolean | undefined; losses?: string[] | undefined }[] = [],
): string | null {
  if (scaling.length === 0) return null;
  const split = metric.slice(0, metric.indexOf('.'));
  const name = metric.slice(metric.indexOf('.') + 1);
  // Under another reconstruction loss the likelihoods differ too: only the MSE is measured alike.
  const ownLoss = scaling.some((f) => f.path === 'training.loss' || f.path === 'training.smoothL1Beta');
  const lossBound = (n: string) => n === 'loss' || declared.some((d) => d.name === n && d.losses !== undefined);
  if (name !== 'loss' && !(ownLoss && lossBound(name))) return null;
  const alike = [...declared.filter((d) => d.comparable && !(ownLoss && lossBound(d.name))).map((d) => d.name), 'mse']
    .map((n) => `${split === 'train' ? 'test' : split}.${n}`)
    .filter((m, i, all) => choices.includes(m) && all.indexOf(m) === i);
  const labels = scaling.map((f) => f.label);
  const names = andList(labels);
  const what = name === 'loss' ? 'is defined by' : 'depends on';
  return (
    `${metric} ${what} ${names}, which this sweep varies: its runs' figures are not on one scale, and a lower ` +
    `one need not be a better model.${alike.length > 0 ? ` Judge them by ${alike.join(' or ')}, measured alike in each.` : ''}`
  );
}

/** A value as a loss to minimise: maximised metrics are negated. */
export const asLoss = (goal: SweepObjective['goal'], value: number): number => (goal === 'minimize' ? value : -value);

/** `test.loss` → its split and name. */
export function splitMetric(name: string): { split: string; name: string } {
  const dot = name.indexOf('.');
  return { split: name.slice(0, dot), name: name.slice(dot + 1) };
}

/**
 * How a run of an adaptive sweep stands: the rungs it reached with its metric there, and the rung it was stopped
 * at (null while it goes on or after it trained to its end).
 */
export const RungRecord = z.object({
  runId: z.number().int(),
  rung: z.number().int(),
  epoch: z.number().int(),
  value: z.number(),
  /** 'stopped': not in the top 1/eta of the runs that reached this rung before it. */
  decision: z.enum(['continue', 'stopped']),
  /** The value a run had to beat (null: the first to reach the rung goes on). */
  cutoff: z.number().nullable(),
  /** How many runs had reached this rung before it. */
  peers: z.number().int(),
});
export type RungRecord = z.infer<typeof RungRecord>;

/** A figure in a rung's sentence: four significant digits, or the exponent form. */
const show = (v: number) => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(4) : v.toExponential(3));
/** A rung's epoch, with a phased family's pretraining said. */
const rungAt = (epoch: number, pretraining: number) =>
  pretraining > 0 ? `epoch ${epoch}, ${epoch - pretraining} after ${pretraining} of pretraining` : `epoch ${epoch}`;
/** The runs a run was judged against at a rung. */
const runsBefore = (peers: number) =>
  peers === 1 ? 'one run that reached this rung before it' : `${peers} runs that reached this rung before it`;

/** The sentence kept with a stopped run. */
export function stoppedReason(
  metric: string,
  rung: number,
  epoch: number,
  value: number,
  judgement: Pick<RungRecord, 'cutoff' | 'peers'>,
  eta: number,
  /** A phased family's pretraining: its rungs count the epochs after it, as the sweep's chart does. */
  pretraining = 0,
): string {
  const at = rungAt(epoch, pretraining);
  if (judgement.cutoff === null) return `stopped by Hyperband at rung ${rung} (${at}): ${metric} is not a number`;
  return (
    `stopped by Hyperband at rung ${rung} (${at}): ${metric} ${show(value)} is not in the top 1/${eta} ` +
    `of the ${runsBefore(judgement.peers)} (cutoff ${show(judgement.cutoff)})`
  );
}

/** The sentence of a run that went on at a rung: its figure, and what it was judged against (none: it was the first). */
export function wentOnReason(
  metric: string,
  record: Omit<RungRecord, 'runId' | 'decision'>,
  eta: number,
  pretraining = 0,
): string {
  const at = `rung ${record.rung} (${rungAt(record.epoch, pretraining)}): ${metric} ${show(record.value)}`;
  if (record.cutoff === null || record.peers === 0) return `went on at ${at}, the first run to reach it`;
  return `went on at ${at}, in the top 1/${eta} of the ${runsBefore(record.peers)} (cutoff ${show(record.cutoff)})`;
}

/** A parameter as a search method sees it: lists are categorical, ranges float (uniform or log) or integer. */
export type SearchDimension =
  | { kind: 'float'; low: number; high: number; log: boolean }
  | { kind: 'int'; low: number; high: number }
  | { kind: 'categorical'; choices: readonly SweepValue[] };
export type SearchSpace = Record<string, SearchDimension>;

/** The least and greatest values a range draws (W&B's log_uniform: e^min and e^max). */
export function rangeEnds(p: { min: number; max: number; distribution: string }): [number, number] {
  return p.distribution === 'log_uniform' ? [Math.exp(p.min), Math.exp(p.max)] : [p.min, p.max];
}

/** A sweep's parameters as a search space: lists are categorical, ranges float, log or integer. */
export function searchSpace(parameters: Record<string, SweepParameter>): SearchSpace {
  return Object.fromEntries(
    Object.entries(parameters).map(([path, p]): [string, SearchDimension] => {
      if ('values' in p) return [path, { kind: 'categorical', choices: p.values }];
      if (p.distribution === 'int_uniform') return [path, { kind: 'int', low: p.min, high: p.max }];
      const [low, high] = rangeEnds(p);
      return [path, { kind: 'float', low, high, log: p.distribution !== 'uniform' }];
    }),
  );
}

/** A random configuration (Optuna's RandomSampler): uniform, log-uniform, each integer or choice equally likely. */
export function randomProposal(space: SearchSpace, rng: Rng): Record<string, SweepValue> {
  return Object.fromEntries(
    Object.entries(space).map(([path, d]) => {
      const u = rng();
      if (d.kind === 'categorical')
        return [path, d.choices[Math.min(d.choices.length - 1, Math.floor(u * d.choices.length))] ?? null];
      if (d.kind === 'int') return [path, Math.min(d.high, d.low + Math.floor(u * (d.high - d.low + 1)))];
      if (d.log) return [path, Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low)))];
      return [path, d.low + u * (d.high - d.low)];
    }),
  );
}
