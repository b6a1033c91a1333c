/**
 * The new-run form's logic, apart from its markup: a family's fields and starting config come from `families.list`
 * (so a family registered only in the host is configured like a built-in), and a draft is checked here as far as
 * this renderer knows the family; the studio checks the rest when the run starts, naming each field.
 */
import type { z } from 'zod';
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
import { partialStack, ShapeError, type ArchitectureShapes, type LayerShape, type LayerSpec } from '../../../families/layers';
import { familyShapes, memoryBudget, modelMemory } from '../../../families/memory';
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

/**
 * A draft's data set after "Train on this set" in the data set browser: its set (and second set), without the classes
 * and subsets that belonged to the one before or do not fit the new one.
 */
export function withDataset(
  current: Record<string, unknown>,
  chosen: Record<string, unknown> & { name?: string | undefined; second?: string | undefined },
  facts: { trainCount: number; testCount: number } | undefined,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current, ...chosen };
  // Classes and a second set belonged to the previous data set.
  if (chosen.second || chosen.name !== current['name']) delete next['classes'];
  if (!chosen.second) delete next['second'];
  if (facts && Number(next['trainSubset']) > facts.trainCount) delete next['trainSubset'];
  if (facts && Number(next['testSubset']) > facts.testCount) delete next['testSubset'];
  return next;
}

/** Shapes through a model of a family this renderer has the code of (its own body), or the first mismatch. */
export function modelShapes(
  spec: object | undefined,
  image: [number, number, number] | undefined,
  model: unknown,
  classes: number,
): { shapes: ArchitectureShapes | null; error: string | null } {
  if (!image || !spec) return { shapes: null, error: null };
  // Shapes of a model its schema refuses would be figures of no model (a code of 2.5 units): name what to fix instead.
  const schema = (spec as { modelSchema?: { safeParse(v: unknown): { success: true } | { success: false; error: z.ZodError } } })
    .modelSchema;
  const parsed = schema?.safeParse(model);
  if (parsed && !parsed.success) {
    const first = fieldIssues(parsed.error)[0];
    const path = !first?.path ? 'model' : first.path.startsWith('[') ? `model${first.path}` : `model.${first.path}`;
    return { shapes: null, error: `shapes follow once ${path} is fixed: ${first?.message ?? 'it is refused'}` };
  }
  try {
    return { shapes: familyShapes(spec, model, image, classes)?.shapes ?? null, error: null };
  } catch (e) {
    return { shapes: null, error: e instanceof ShapeError ? e.message : 'the layer stacks are incomplete' };
  }
}

/** What training the draft would take, against what this machine allows a run (null when it cannot be told). */
export function trainingMemory(
  spec: object | undefined,
  image: [number, number, number] | undefined,
  draft: Draft,
  classes: number,
  limits: MachineLimits | undefined,
) {
  const training = draft['training'] as { batchSize?: number; optimizer?: string } | undefined;
  if (!image || !spec || !training?.batchSize || !training.optimizer) return null;
  const need = modelMemory(spec, draft.model, {
    image,
    classes,
    training: { batchSize: training.batchSize, optimizer: training.optimizer },
  });
  const backend = (draft['backend'] as string | undefined) ?? 'auto';
  const budget = limits ? memoryBudget(limits.totalMemoryBytes, backend, limits.autoBackend) : null;
  return need ? { need, budget, over: budget !== null && need.bytes > budget } : null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The draft a loaded config file gives: the file as it is, its fields untouched (a run on all of MNIST, saved
 * without `trainSubset`, stays on all of it), with only the sections it lacks whole (`dataset`, `training`, `model`)
 * taken from the named family's starting config; a field missing inside a section is named by the form's checks.
 * A file that is not a config of a known family is refused by a message.
 */
export function loadedDraft(
  loaded: unknown,
  familyOf: (id: string) => FamilyInfo | undefined,
  knownFamilies: readonly string[],
): { draft: Draft } | { error: string } {
  if (!isRecord(loaded)) return { error: 'not a run config (a JSON object with its family, model, dataset and training)' };
  const id = loaded['family'];
  const family = typeof id === 'string' ? familyOf(id) : undefined;
  if (!family) {
    const said = typeof id === 'string' ? `family: no family named ${JSON.stringify(id)}` : 'family: missing';
    return { error: `${said} (one of ${knownFamilies.join(', ')})` };
  }
  const draft: Record<string, unknown> = structuredClone(loaded);
  for (const key of ['dataset', 'training', 'model']) {
    const start = family.defaultConfig[key];
    if (!isRecord(draft[key]) && isRecord(start)) draft[key] = structuredClone(start);
  }
  return { draft: draft as Draft };
}

/** The form's draft for a clone of a run: its config, named "<name> (copy)", to change one thing and start again. */
export function cloneDraft(run: { name: string; config: RunConfig }): Draft {
  return { ...structuredClone(run.config), name: `${run.name} (copy)` };
}

/**
 * A stack's rows: from the whole architecture when it checks out (a CVAE's label widens its encoder's first layer,
 * its decoder's input), else as far as the stack alone fits.
 */
export function stackRows(
  shapes: ArchitectureShapes | null,
  model: Record<string, unknown>,
  image: [number, number, number] | null | undefined,
  key: string,
): LayerShape[] | null {
  if (shapes) return shapes.layers.filter((l) => l.where.startsWith(`${key}[`));
  return stackShapes(model, image, key);
}

/** The layer a family adds after a stack, in the rows' total: the code head after the encoder, the output after the decoder. */
export function stackTail(shapes: ArchitectureShapes | null, key: string): LayerShape | null {
  const where = key === 'encoder' ? 'code' : key === 'decoder' ? 'output' : null;
  return shapes?.layers.find((l) => l.where === where) ?? null;
}

/** The shapes through one stack of the model being edited, up to its first layer that does not fit. */
function stackShapes(
  model: Record<string, unknown>,
  image: [number, number, number] | null | undefined,
  key: string,
): LayerShape[] | null {
  const layers = model[key];
  if (!image || !Array.isArray(layers)) return null;
  const input = key === 'encoder' ? image : [Number(model['latentSize']) || 1];
  try {
    return partialStack(input, layers as LayerSpec[], ['model', key]);
  } catch {
    return null;
  }
}
