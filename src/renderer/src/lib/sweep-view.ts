import { DatasetRef, TrainingConfig, backendNames, type FieldIssue } from '../../../shared/config';
import type { DatasetInfo, FamilyInfo } from '../../../shared/api';
import { parseCliValue, setConfigPath } from '../../../shared/config-path';
import type { EvaluationKind } from '../../../shared/evaluation-kinds';
import type { SweepValue } from '../../../shared/sweep';
import { formFields, type FieldSchema } from './schema-form';
import { familySpec } from '../../../families/specs';
import { rangeEnds } from '../../../shared/sweep-search';
import { parseValueList, specIssuePath, type ParameterRow } from './sweep-form';

/**
 * The new-sweep form's pure parts: the base config's fields and their values, the fixed values applied to it, the
 * suggested name, the evaluations that apply, and the texts that depend on the form's state.
 */

/** A field of the base fixed to one value for every run, as `path = value` (the value as the CLI reads it). */
export interface FixedValue {
  id: number;
  path: string;
  value: string;
}

/** The preview: the spec checked locally, then expanded and checked by the core (dry run). */
export type SweepPreview =
  | { state: 'checking' }
  | { state: 'ok'; runs: { name: string; params: Record<string, SweepValue> }[] }
  | { state: 'refused'; issues: FieldIssue[] }
  | { state: 'error'; message: string };

/** An evaluation each run can have when it ends, and whether it applies to the base's family and data set. */
export interface EvaluationOption {
  kind: EvaluationKind;
  label: string;
  applies: boolean;
}

/** A parameter row with nothing chosen yet. */
export function emptyParameterRow(id: number): ParameterRow {
  return { id, path: '', mode: 'values', values: '', min: undefined, max: undefined, distribution: 'uniform' };
}

/** The base with the fixed values applied (in place), and what could not be applied. */
export function applyFixedValues(
  config: Record<string, unknown>,
  fixed: readonly FixedValue[],
): { config: Record<string, unknown>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  for (const f of fixed) {
    if (f.path === '' || f.value.trim() === '') continue;
    try {
      setConfigPath(config, f.path, parseCliValue(f.value.trim()));
    } catch (e) {
      issues.push({ path: `base.${f.path}`, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { config, issues };
}

/** A name no sweep has yet, from the base's: "vae-mnist sweep", "vae-mnist sweep 2", … */
export function suggestSweepName(base: string, taken: readonly string[]): string {
  const stem = `${base} sweep`;
  const names = new Set(taken);
  let n = 1;
  while (names.has(n === 1 ? stem : `${stem} ${n}`)) n++;
  return n === 1 ? stem : `${stem} ${n}`;
}

/** The evaluations that apply to the base's family and data set (the sweep check refuses the rest, naming the run). */
export function applicableEvaluations(
  spec: FamilyInfo['evaluation'] | undefined,
  dataset: Pick<DatasetInfo, 'classes' | 'factors'> | undefined,
): EvaluationOption[] {
  const codes = spec?.codes ?? true;
  return [
    { kind: 'clustering', label: 'clustering', applies: codes && (dataset?.classes ?? 0) > 0 },
    { kind: 'probe', label: 'few-label probes', applies: codes && (dataset?.classes ?? 0) > 0 },
    { kind: 'disentanglement', label: 'disentanglement', applies: codes && (dataset?.factors.length ?? 0) > 0 },
    { kind: 'nll', label: 'likelihood (NLL)', applies: spec?.likelihood ?? false },
  ];
}

/** The chosen evaluations less those that no longer apply; null when every one still does. */
export function applicableOnly(chosen: readonly EvaluationKind[], options: readonly EvaluationOption[]): EvaluationKind[] | null {
  const applicable = new Set(options.filter((o) => o.applies).map((o) => o.kind));
  return chosen.some((k) => !applicable.has(k)) ? chosen.filter((k) => applicable.has(k)) : null;
}

/** The common base settings, edited in place (anything else through "fixed values"), with their schemas. */
export function sweepBaseFields(): { path: string; schema: FieldSchema }[] {
  const dataset = new Map(formFields(DatasetRef).map((f) => [f.key, f.schema]));
  const training = new Map(formFields(TrainingConfig).map((f) => [f.key, f.schema]));
  const list: { path: string; schema: FieldSchema | undefined }[] = [
    { path: 'dataset.name', schema: dataset.get('name') },
    { path: 'dataset.trainSubset', schema: dataset.get('trainSubset') },
    { path: 'dataset.testSubset', schema: dataset.get('testSubset') },
    { path: 'training.epochs', schema: training.get('epochs') },
    { path: 'training.batchSize', schema: training.get('batchSize') },
    { path: 'backend', schema: { enum: [...backendNames], label: 'Backend' } },
  ];
  return list.filter((f): f is { path: string; schema: FieldSchema } => f.schema !== undefined);
}

/** The base fields a sweep cannot do without. */
export function requiredBaseField(path: string): boolean {
  return path === 'dataset.name' || path === 'training.epochs' || path === 'training.batchSize';
}

/** The data sets as the base's data set select lists them. */
export function datasetChoices(datasets: readonly DatasetInfo[]): { value: string; label: string }[] {
  return datasets.map((d) => ({
    value: d.name,
    label: `${d.name} · ${d.height}×${d.width}×${d.channels}${d.available ? '' : ' (not installed)'}`,
  }));
}

/** A base setting by its path (`dataset.name`, `backend`). */
export function readBaseValue(config: Record<string, unknown> | null, path: string): unknown {
  const [section, key] = path.includes('.') ? path.split('.') : [path, undefined];
  const s = config?.[section ?? ''];
  return key === undefined ? s : (s as Record<string, unknown> | undefined)?.[key];
}

/** Sets a base setting by its path, in place; an empty value removes it. False where the path names nothing. */
export function writeBaseValue(config: Record<string, unknown>, path: string, value: unknown): boolean {
  const [section, key] = path.includes('.') ? path.split('.') : [path, undefined];
  if (section === undefined) return false;
  const target = key === undefined ? config : (config[section] as Record<string, unknown>);
  const k = key ?? section;
  if (value === undefined || value === '') delete target[k];
  else target[k] = value;
  return true;
}

/** The paths more than one parameter row sweeps. */
export function duplicatePaths(paths: readonly string[]): Set<string> {
  return new Set(paths.filter((p, i, all) => p !== '' && all.indexOf(p) !== i));
}

/** The core's issues, their paths as the form names its fields. */
export function formIssues(issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((i) => ({ ...i, path: specIssuePath(i.path) }));
}

/** What the base's help line says the sweep keeps of it: the preset's name, or the whole config. */
export function baseSourceHelp(source: string, edited: boolean): string {
  return source === ''
    ? 'the sweep keeps this whole config'
    : edited
      ? `preset ${source}, edited: the sweep keeps the whole config`
      : `the sweep names preset ${source}`;
}

/** The start button's text: what it does (queue or submit), and how many runs once the preview knows. */
export function startLabel(starting: boolean, slurm: boolean, runs: number | null): string {
  return starting
    ? slurm
      ? 'Submitting…'
      : 'Queuing…'
    : `${slurm ? 'Submit to Slurm' : 'Start sweep'}${runs !== null ? ` (${runs} runs)` : ''}`;
}

/** The line beside the start button: where the runs go. */
export function startHint(slurm: boolean, runs: number | null): string {
  return slurm ? `one sbatch job array of ${runs ?? 'its'} tasks` : 'runs queue behind the scheduler’s limit';
}

/**
 * The declared figures some run of the sweep would not report, as `test.<name>` (FamilySpec.unreported: the β of a
 * KL warm-up, logged only where there is one): the base's model, and the model at each value a row sweeps of it
 * (a range at the least and greatest values it draws). The core refuses an objective any run does not report, so the form does not offer it.
 */
export function unreportedMetrics(
  family: string,
  config: Record<string, unknown> | null,
  rows: readonly Pick<ParameterRow, 'path' | 'mode' | 'values' | 'min' | 'max' | 'distribution'>[],
): string[] {
  const spec = familySpec(family);
  const model = config?.['model'];
  if (!spec?.unreported || typeof model !== 'object' || model === null) return [];
  const models: Record<string, unknown>[] = [model as Record<string, unknown>];
  for (const row of rows) {
    const key = row.path.trim().startsWith('model.') ? row.path.trim().slice('model.'.length) : '';
    if (key === '' || key.includes('.')) continue;
    const values: unknown[] =
      row.mode === 'range'
        ? row.min === undefined || row.max === undefined
          ? []
          : rangeEnds({ min: row.min, max: row.max, distribution: row.distribution })
        : parseValueList(row.values);
    // A value of another kind than the base's (a list half typed reads as text) is the row's own issue.
    const kind = typeof (model as Record<string, unknown>)[key];
    for (const value of values) {
      if (kind === 'undefined' || typeof value === kind) models.push({ ...(model as Record<string, unknown>), [key]: value });
    }
  }
  const names = new Set<string>();
  for (const m of models) {
    try {
      for (const name of spec.unreported(m)) names.add(`test.${name}`);
    } catch {
      // A model the form holds half-edited: the core's check names its field.
    }
  }
  return [...names];
}
