import { z } from 'zod';

export type { FieldSchema } from '../../../shared/field-schema';
import type { FieldSchema } from '../../../shared/field-schema';

export interface FormField {
  key: string;
  schema: FieldSchema;
  required: boolean;
}

/** Fields of an object schema, in declaration order, with their metadata. */
export function formFields(schema: z.ZodType, skip: readonly string[] = []): FormField[] {
  return jsonFormFields(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as FieldSchema, skip);
}

/** Fields of an object's JSON Schema (a family's model as `families.list` hands it over), in declaration order. */
export function jsonFormFields(json: FieldSchema, skip: readonly string[] = []): FormField[] {
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {})
    .filter(([key]) => !skip.includes(key))
    .map(([key, s]) => ({ key, schema: s, required: required.has(key) }));
}

/** An object's value with one property set, or removed when `value` is empty. */
export function withProperty(object: unknown, key: string, value: unknown): Record<string, unknown> {
  const next = { ...((object ?? {}) as Record<string, unknown>) };
  if (value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next;
}

/** The fields of an object that its current `kind` reads (all of them when it has no kind). */
export function fieldsForKind(schema: FieldSchema, value: unknown): FormField[] {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  return jsonFormFields(schema).filter((f) => typeof kind !== 'string' || !f.schema.onlyFor || f.schema.onlyFor.includes(kind));
}

/** An object after its `kind` changed: without the settings the new kind does not read. */
export function keepForKind(schema: FieldSchema, object: Record<string, unknown>): Record<string, unknown> {
  const kind = object['kind'];
  return Object.fromEntries(
    Object.entries(object).filter(([key]) => {
      const only = schema.properties?.[key]?.onlyFor;
      return typeof kind !== 'string' || !only || only.includes(kind);
    }),
  );
}

export function humanize(key: string): string {
  return key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
}
