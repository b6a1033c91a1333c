import { z } from 'zod';
import { RunSettings } from '../../../shared/config';
import type { FieldSchema } from './schema-form';

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
 * flattened config is `config`: the `unset` of the first field along the path the config does not hold, or
 * undefined where the config holds the path, the schema says nothing, or the path goes into a list.
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
  for (const key of head === 'model' ? rest : ['', ...rest]) {
    if (key !== '') {
      node = node?.properties?.[key];
      prefix = `${prefix}.${key}`;
    }
    if (node === undefined) return undefined;
    if (!holds(config, prefix)) return node.unset;
  }
  return undefined;
}
