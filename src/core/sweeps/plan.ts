/** A sweep spec's base config and runs, each checked as runs.start checks a run; every refusal names its key. */
import {
  describeIssues,
  fieldIssues,
  RunConfig as RunConfigSchema,
  ruleSplit,
  TrainingConfig,
  type FieldIssue,
  type RunConfig,
} from '../../shared/config';
import { expandSweep, wholeNumberRanges, type SweepCheck, type SweepPoint, type SweepSpec } from '../../shared/sweep';
import { studyParams, type StudySpec } from '../../shared/study';
import { studyPoints } from './study';
import { epochMetricNames, objectiveScaleWarning, rungEpochs, sweepObjectives } from '../../shared/sweep-search';
import { familySpec } from '../../families/specs';
import type { DatasetCatalog } from '../datasets/catalog';
import { ApiError } from '../errors';
import { checkKinds } from '../evaluation/jobs';
import { findPreset } from '../presets';
import { checkRun } from '../run-checks';

const refuse = (issues: FieldIssue[]): never => {
  throw new ApiError('bad_request', `invalid sweep: ${describeIssues(issues)}`, issues);
};

/** The spec's base: a preset by name, or a whole config (its issues under `base.`). */
export function sweepBase(spec: SweepSpec): RunConfig {
  if (typeof spec.base === 'string') {
    const preset = findPreset(spec.base);
    return preset ?? refuse([{ path: 'base', message: `no preset named ${spec.base}` }]);
  }
  const parsed = RunConfigSchema.safeParse(spec.base);
  if (!parsed.success) return refuse(fieldIssues(parsed.error).map((i) => ({ ...i, path: `base.${i.path}` })));
  return parsed.data;
}

/**
 * The epoch metrics every run of a family reports (`split.name`), given its training loss where one decides (a
 * −ELBO needs a likelihood): what a sweep can optimise and judge runs by.
 */
export function epochMetrics(
  family: string,
  loss?: string,
  validation = false,
  has?: { labels: boolean; twinSets: boolean },
  atRungs = false,
): string[] {
  return epochMetricNames(familySpec(family)?.metrics ?? [], loss, validation, has, atRungs);
}

/** What a run's data set gives the figures that need it: labels (DEC's accuracy), a twin pair (the deepfake's swap). */
function datasetGives(config: RunConfig, datasets: DatasetCatalog): { labels: boolean; twinSets: boolean } {
  const d = config.dataset;
  const labels = d.second !== undefined || d.classes !== undefined || (datasets.info(d.name)?.classes ?? 0) > 0;
  return { labels, twinSets: datasets.isTwinPair(d) };
}

/** The declared figures a run of this model does not report (FamilySpec.unreported: the β of no KL warm-up). */
const unreportedBy = (c: RunConfig) => (familySpec(c.family)?.unreported?.(c.model) ?? []).map((name) => `test.${name}`);

/** Each objective is a metric every run of the sweep reports each epoch. */
function objectiveIssues(spec: SweepSpec, points: readonly SweepPoint[], datasets: DatasetCatalog): FieldIssue[] {
  const kinds = [
    ...new Map(
      points.map((p) => [
        `${p.config.family} ${p.config.training.loss} ${ruleSplit(p.config.dataset)} ${JSON.stringify(datasetGives(p.config, datasets))} ${unreportedBy(p.config).join()}`,
        p.config,
      ]),
    ).values(),
  ];
  // Hyperband judges runs at its rungs, epochs into training: a figure measured once after the last epoch (the
  // stacked AE's classifier accuracies) is none it can read there.
  const reported = (c: RunConfig, loss?: string) =>
    epochMetrics(
      c.family,
      loss,
      ruleSplit(c.dataset) === 'val',
      datasetGives(c, datasets),
      spec.early_terminate !== undefined,
    ).filter((name) => !unreportedBy(c).includes(name));
  const objectives = sweepObjectives(spec);
  return objectives.flatMap((o, i) => {
    const missing = kinds.filter((c) => !reported(c, c.training.loss).includes(o.name));
    const first = missing[0];
    if (!first) return [];
    const path = spec.metrics ? `metrics[${i}].name` : 'metric.name';
    const known = reported(first, first.training.loss).join(', ');
    const runs = [...new Set(missing.map((c) => c.family))].join(', ');
    // Reported by the family, but not under this loss, or not on this data set: say which.
    const trained = reported(first).includes(o.name) ? ` trained with ${first.training.loss}` : '';
    const needs = familySpec(first.family)?.metrics?.find((m) => `test.${m.name}` === o.name)?.needs;
    const on =
      needs && !datasetGives(first, datasets)[needs]
        ? ` on ${first.dataset.name}${needs === 'labels' ? ', which has no labels,' : ', no twin pair of sets,'}`
        : '';
    return [{ path, message: `no run of this sweep reports ${o.name} (${runs} runs${trained}${on} report ${known})` }];
  });
}

/**
 * A sweep's runs from its base, its ranges read as W&B reads them: whole-number bounds over a whole-number field
 * draw int_uniform (`wholeNumberRanges`; the spec is stored as it was given, and its later proposals read it so too).
 */
function expandFrom(spec: SweepSpec, base: RunConfig, datasets: DatasetCatalog) {
  return expandSweep(wholeNumberRanges(spec, base), base, (config) => checkRun(config, datasets));
}

export function planSweep(spec: SweepSpec, datasets: DatasetCatalog): { points: SweepPoint[] } {
  const plan = spec.study ? studyPlan(spec, spec.study, datasets) : expandFrom(spec, sweepBase(spec), datasets);
  if (!plan.ok) return refuse(plan.issues);
  if (plan.points.length === 0) return refuse([{ path: 'parameters', message: 'this sweep makes no runs' }]);
  // A bayes sweep's later proposals too: whether a spec is taken must not hang on what its first runs drew.
  const possible = [...plan.points, ...('later' in plan ? (plan.later ?? []) : [])];
  const objectives = objectiveIssues(spec, possible, datasets);
  if (objectives.length > 0) return refuse(objectives);
  const early = spec.early_terminate;
  if (early) {
    const epochs = Math.max(...possible.map((p) => p.config.training.epochs));
    if (rungEpochs(early, epochs).length === 0) {
      const field = early.max_iter !== undefined && early.s !== undefined ? 'max_iter' : 'min_iter';
      const first = rungEpochs(early, Number.MAX_SAFE_INTEGER)[0];
      refuse([
        {
          path: `early_terminate.${field}`,
          message: `${first === undefined ? 'no rung' : `the first rung (epoch ${first})`} is not before the runs' last epoch (${epochs}): no run would be judged`,
        },
      ]);
    }
  }
  if (spec.evaluate) {
    // Every run must be evaluable as asked: refused now, not after hours of training.
    for (const point of possible) {
      try {
        checkKinds(point.config, `run ${point.name}`, spec.evaluate.what, datasets);
      } catch (e) {
        if (e instanceof ApiError) refuse([{ path: 'evaluate.what', message: e.message.replace(/^what: /, '') }]);
        throw e;
      }
    }
  }
  return { points: plan.points };
}

/** A study's runs, each checked as a run is (its data set has factors, it fits in memory). */
function studyPlan(spec: SweepSpec, study: StudySpec, datasets: DatasetCatalog): SweepCheck {
  // Its runs are the families' parts × strengths × study.seeds: a sweep's own method, count, ranges and early
  // termination would be ignored, so they are refused (the seeds' grid is what studySweepSpec writes).
  const ignored: FieldIssue[] = [
    ...(spec.method !== 'grid' ? [{ path: 'method', message: 'a study is a grid over its parts and seeds: use grid' }] : []),
    ...(spec.count !== undefined ? [{ path: 'count', message: 'a study makes every run of its grid: leave count out' }] : []),
    ...Object.keys(spec.parameters)
      .filter((key) => key !== studyParams.seed)
      .map((key) => ({
        path: `parameters.${key}`,
        message: `a study sweeps its models, strengths and seeds alone (study.models, study.seeds): it would not sweep ${key}`,
      })),
    ...(spec.early_terminate
      ? [{ path: 'early_terminate', message: 'a study trains every run to its end, to score them alike: leave it out' }]
      : []),
  ];
  if (ignored.length > 0) return { ok: false, issues: ignored };
  const { points, issues } = studyPoints(spec.name, study);
  const checked = points.flatMap((p) =>
    checkRun(p.config, datasets).map((i) => ({ path: 'study', message: `${i.path}: ${i.message}` })),
  );
  const all = [...issues, ...checked].filter((i, k, xs) => xs.findIndex((j) => j.message === i.message) === k);
  if (points.length === 0 && all.length === 0) all.push({ path: 'study', message: 'no family declares a part in this study' });
  if (points.length > spec.maxRuns)
    all.push({ path: 'maxRuns', message: `this study makes ${points.length} runs, more than its cap of ${spec.maxRuns}` });
  return all.length > 0 ? { ok: false, issues: all.slice(0, 20) } : { ok: true, points };
}

/** A config field's own metadata (its label, `scalesLoss`), read from the schema that declares it. */
function fieldMeta(family: string, path: string): { label?: string; scalesLoss?: boolean } | undefined {
  const [section, key, ...rest] = path.split('.');
  if (!key || rest.length > 0) return undefined;
  const schema =
    section === 'model'
      ? (familySpec(family)?.modelSchema as { shape?: Record<string, { meta(): unknown }> } | undefined)
      : section === 'training'
        ? (TrainingConfig as unknown as { shape: Record<string, { meta(): unknown }> })
        : undefined;
  return schema?.shape?.[key]?.meta() as { label?: string; scalesLoss?: boolean } | undefined;
}

/**
 * What a sweep's objectives are warned of, as the sweep form warns: a loss, in a sweep that varies what defines the
 * loss (objectiveScaleWarning). The CLI prints them; `sweeps.create` answers them beside its runs.
 */
export function objectiveWarnings(spec: SweepSpec): string[] {
  if (spec.study) return [];
  const base = sweepBase(spec);
  const scaling = Object.keys(spec.parameters).flatMap((path) => {
    const meta = fieldMeta(base.family, path);
    return meta?.scalesLoss ? [{ path, label: meta.label ?? path }] : [];
  });
  const choices = epochMetrics(base.family, base.training.loss, base.dataset.validationFraction !== undefined);
  const declared = familySpec(base.family)?.metrics ?? [];
  return sweepObjectives(spec).flatMap((o) => objectiveScaleWarning(o.name, scaling, choices, declared) ?? []);
}
