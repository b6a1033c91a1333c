import { z } from 'zod';
import { RunSettings } from './config';
import type { FieldSchema } from './field-schema';

/**
 * What a config field a run leaves unset means, as its schema's `unset` says (a clip norm: off; a VQ-VAE's codebook
 * start: uniform), so that a table shows it instead of a bare '–'. Where a whole object is unset (no schedule, no early
 * stopping), each of its fields reads as the object does (none, off).
 */

let settingsSchema: FieldSchema | undefined;
/** The JSON Schema of the settings outside the model, built once (the model's comes with its family). */
const settings = (): FieldSchema =>
  (settingsSchema ??= z.toJSONSchema(RunSettings, { io: 'input', unrepresentable: 'any' }) as FieldSchema);

/** Whether a flattened config holds `prefix` or anything under it. */
const holds = (config: Readonly<Record<string, unknown>>, prefix: string): boolean =>
  Object.keys(config).some((k) => k === prefix || k.startsWith(`${prefix}.`) || k.startsWith(`${prefix}[`));

/**
 * The meaning of `path` (a flattened config path: model.codebookInit, training.schedule.gamma) in a run whose
 * flattened config is `config`, or undefined where the config holds the path, the schema says nothing, or the path
 * goes into a list. Along the path, the first object the config leaves out speaks for its fields where its absence
 * means something of its own (no schedule: none); otherwise (no checkpoint policy: the default one) each field
 * speaks for itself, as `fieldMeaning` says.
 */
export function unsetMeaning(
  path: string,
  config: Readonly<Record<string, unknown>>,
  modelSchema: FieldSchema | Record<string, unknown> | undefined,
): string | undefined {
  if (path.includes('[') || holds(config, path)) return undefined;
  const [head, ...rest] = path.split('.');
  if (head === undefined) return undefined;
  let node: FieldSchema | undefined = head === 'model' ? modelSchema : settings().properties?.[head];
  let prefix = head;
  let parent = '';
  for (const key of head === 'model' ? rest : ['', ...rest]) {
    if (key !== '') {
      node = node?.properties?.[key];
      parent = prefix;
      prefix = `${prefix}.${key}`;
    }
    if (node === undefined) return undefined;
    if (holds(config, prefix)) continue;
    if (prefix === path) return fieldMeaning(node, (sibling) => config[parent ? `${parent}.${sibling}` : sibling]);
    if (node.unset !== undefined) return node.unset;
  }
  return undefined;
}

/**
 * What one unset field means beside its siblings: nothing where it is not read (a schedule's setting its kind does
 * not read, `onlyFor`; a setting read only with another, `readWith`), its kind's default where that differs
 * (`unsetByKind`), another meaning where a sibling is set (`unsetBeside`: every N epochs is off with every M
 * minutes), else its `unset`.
 */
function fieldMeaning(node: FieldSchema, sibling: (key: string) => unknown): string | undefined {
  const kind = sibling('kind');
  if (node.onlyFor && typeof kind === 'string') {
    if (!node.onlyFor.includes(kind)) return undefined;
    const own = node.unsetByKind?.[kind];
    if (own !== undefined) return own;
  }
  if (node.readWith) {
    const other = sibling(node.readWith.field);
    if (other === undefined || (node.readWith.values && !(typeof other === 'string' && node.readWith.values.includes(other))))
      return undefined;
  }
  for (const [key, text] of Object.entries(node.unsetBeside ?? {})) if (sibling(key) !== undefined) return text;
  return node.unset;
}

/** The paths of a schema's fields whose absence means something: a field's own, or an object's as a whole (no schedule). */
function meaningfulPaths(node: FieldSchema, prefix: string, out: string[]): string[] {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.unset !== undefined) out.push(path);
    else if (child.properties) meaningfulPaths(child, path, out);
  }
  return out;
}

/**
 * The fields none of these runs sets whose absence means something to one of them at least (weight decay 0, no
 * validation split): the rows "show all fields" adds, so that every setting a run trained with is seen.
 */
export function unsetPaths(
  runs: readonly { config: Readonly<Record<string, unknown>>; modelSchema: FieldSchema | Record<string, unknown> | undefined }[],
): string[] {
  const schemas = [...new Set(runs.map((r) => r.modelSchema))];
  const candidates = [
    ...meaningfulPaths(settings(), '', []),
    ...schemas.flatMap((m) => (m ? meaningfulPaths(m as FieldSchema, 'model', []) : [])),
  ];
  return [...new Set(candidates)].filter(
    (path) =>
      !runs.some((r) => holds(r.config, path)) && runs.some((r) => unsetMeaning(path, r.config, r.modelSchema) !== undefined),
  );
}

/**
 * A config value as an axis places it: the value, else what leaving it unset means (a number where that is one: a
 * weight decay's 0), else undefined (another family's field: no value at all).
 */
export function valueOrMeaning(
  path: string,
  config: Readonly<Record<string, unknown>>,
  modelSchema: FieldSchema | Record<string, unknown> | undefined,
): unknown {
  if (config[path] !== undefined) return config[path];
  const meaning = unsetMeaning(path, config, modelSchema);
  return meaning !== undefined && meaning.trim() !== '' && Number.isFinite(Number(meaning)) ? Number(meaning) : meaning;
}

/**
 * A field as the form shows it beside its siblings' values: its unset meaning the one that applies there (a step
 * schedule's gamma: 0.1; every N epochs beside every M minutes: off), or none where it is not read (an EMA decay
 * without EMA).
 */
export function fieldInContext(field: FieldSchema, siblings: Readonly<Record<string, unknown>> | undefined): FieldSchema {
  if (field.unset === undefined) return field;
  const unset = fieldMeaning(field, (key) => siblings?.[key]);
  return unset === field.unset ? field : { ...field, unset };
}
