import { z } from 'zod';

/** The subset of JSON Schema (as zod's toJSONSchema writes it) the studio's forms render. */
export interface FieldSchema {
  type?: 'integer' | 'number' | 'string' | 'array' | 'boolean' | 'object';
  enum?: string[];
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

export function humanize(key: string): string {
  return key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());
}
