/**
 * The new-run form's logic, apart from its markup: a family's fields and starting config come from `families.list`
 * (so a family registered only in the host is configured like a built-in), and a draft is checked here as far as
 * this renderer knows the family; the studio checks the rest when the run starts, naming each field.
 */
import type { FamilyInfo } from '../../../shared/api';
import {
  DatasetRef,
  fieldIssues,
  TrainingConfig,
  type DatasetLookup,
  type FieldIssue,
  type RunConfig,
} from '../../../shared/config';
import { parseRunConfig, type MachineLimits, type ParseResult } from '../../../families/run-config';
import { familySpec } from '../../../families/specs';
import { jsonFormFields, type FormField } from './schema-form';

export type Draft = Record<string, unknown> & { family: string; model: Record<string, unknown> };

/** The model's fields as the family's JSON Schema declares them. */
export function modelFields(family: FamilyInfo | undefined): FormField[] {
  return family ? jsonFormFields(family.modelSchema) : [];
}

/**
 * A family's draft: its default model and the data and training settings of the draft it replaces, with the
 * family's own training and data set defaults on top (e.g. BCE, the deepfake's two classes).
 */
export function familyDraft(current: Draft, family: FamilyInfo): Draft {
  const fresh = structuredClone(family.defaultConfig) as Draft;
  const classes = (family.defaultDataset as { classes?: number[] } | null)?.classes;
  const dataset = { ...(current['dataset'] as object), classes };
  const training = { ...(current['training'] as object), ...family.defaultTraining };
  return { ...fresh, dataset, training };
}

/**
 * Checks a draft. A family this renderer has the spec of is checked whole (structure, data sets, shapes, memory); a
 * family registered only in the studio has its data and training checked here and its model by the studio.
 */
export function checkDraft(draft: Draft, lookup: DatasetLookup | undefined, limits: MachineLimits | undefined): ParseResult {
  if (familySpec(draft.family)) return parseRunConfig(draft, lookup, limits);
  const issues: FieldIssue[] = [];
  for (const [key, schema] of [
    ['dataset', DatasetRef],
    ['training', TrainingConfig],
  ] as const) {
    const r = schema.safeParse(draft[key]);
    if (!r.success) issues.push(...fieldIssues(r.error).map((i) => ({ ...i, path: `${key}.${i.path}` })));
  }
  if (issues.length === 0 && lookup && !lookup(String((draft['dataset'] as { name?: unknown }).name))) {
    issues.push({ path: 'dataset.name', message: `no data set named ${String((draft['dataset'] as { name?: unknown }).name)}` });
  }
  return issues.length === 0 ? { ok: true, config: draft as unknown as RunConfig } : { ok: false, issues };
}
