import { z } from 'zod';

/** The subset of JSON Schema (as zod's toJSONSchema writes it) the studio's forms render. */
export interface FieldSchema {
  type?: 'integer' | 'number' | 'string' | 'array' | 'boolean' | 'object';
  enum?: string[];
  /** What the form shows for each of `enum`'s values, e.g. { mss: 'minibatch stratified sampling (MSS)' }. */
  optionLabels?: Record<string, string>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: FieldSchema;
  maxItems?: number;
  label?: string;
  help?: string;
  step?: number;
  /** Upper end of a slider when the allowed maximum is far larger than the useful range. */
  sliderMax?: number;
  widget?: 'widths' | 'slider' | 'stack' | 'dataset';
  properties?: Record<string, FieldSchema>;
  required?: string[];
  /** For an optional object: the value it takes when the user turns it on (e.g. a schedule's kind and warm-up). */
  initial?: Record<string, unknown>;
  /** What an empty text field shows, e.g. an example list. */
  placeholder?: string;
  /** What the field left unset means (a clip norm: off; a subset: all): the form's empty choice and the tables show it. */
  unset?: string;
  /** Unset, for a schedule of this kind (with `onlyFor`): a gamma is 0.1 for a step schedule, 0.95 for an exponential one. */
  unsetByKind?: Record<string, string>;
  /** Unset, where this sibling is set: every N epochs is off when every M minutes is set. */
  unsetBeside?: Record<string, string>;
  /** Read only where this sibling is set (to one of `values`): a capacity ramp only with a capacity, an EMA decay only with EMA. */
  readWith?: { field: string; values?: string[] };
  /** For a field of an object with a `kind`: the kinds that read it (the form hides it for the others). */
  onlyFor?: string[];
  /**
   * The loss is defined by this field (a term's weight such as β, the reconstruction loss, the denoiser's noise): runs
   * that differ in it report losses on different scales, so a sweep of it is not judged by its loss.
   */
  scalesLoss?: boolean;
}

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
