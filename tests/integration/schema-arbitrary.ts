import fc from 'fast-check';
import { z } from 'zod';

/** A JSON Schema node as zod's `z.toJSONSchema` writes it (the parts this walker reads). */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  prefixItems?: Schema[];
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $ref?: string;
  $defs?: Record<string, Schema>;
}

export type Overrides = Record<string, fc.Arbitrary<unknown>>;

/**
 * Values that follow a contract schema (from its JSON Schema), so a fuzzer reaches past the input
 * checks into the core. `overrides` bounds fields by dotted path (e.g. a generated set's size).
 */
export function arbitraryFor(schema: z.ZodType, overrides: Overrides = {}): fc.Arbitrary<unknown> {
  const root = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Schema;
  const defs = root.$defs ?? {};
  const walk = (s: Schema, path: string, depth: number): fc.Arbitrary<unknown> => {
    const override = overrides[path];
    if (override) return override;
    if (s.$ref) return walk(defs[s.$ref.replace('#/$defs/', '')] ?? {}, path, depth + 1);
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const choices = s.anyOf ?? s.oneOf;
    if (choices) return fc.oneof(...choices.map((c) => walk(c, path, depth + 1)));
    if (s.allOf?.[0]) return walk(s.allOf[0], path, depth + 1);
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    switch (type) {
      case 'object': {
        const props = s.properties ?? {};
        const shape = Object.fromEntries(
          Object.entries(props).map(([k, v]) => [k, walk(v, path ? `${path}.${k}` : k, depth + 1)]),
        );
        return fc.record(shape, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
      }
      case 'array': {
        if (s.prefixItems) return fc.tuple(...s.prefixItems.map((p, i) => walk(p, `${path}[${i}]`, depth + 1)));
        const maxLength = Math.min(s.maxItems ?? 4, depth > 4 ? 1 : 4);
        return fc.array(walk(s.items ?? {}, `${path}[]`, depth + 1), {
          minLength: Math.min(s.minItems ?? 0, maxLength),
          maxLength,
        });
      }
      case 'string':
        return s.pattern
          ? fc.stringMatching(new RegExp(s.pattern))
          : fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 24) });
      case 'integer': {
        const min = Math.max(s.minimum ?? (s.exclusiveMinimum ?? -1e6) + 1, -1e9);
        const max = Math.min(s.maximum ?? (s.exclusiveMaximum ?? 1e6) - 1, 1e9);
        return fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) });
      }
      case 'number':
        return fc.double({
          min: s.minimum ?? s.exclusiveMinimum ?? -1e6,
          max: s.maximum ?? s.exclusiveMaximum ?? 1e6,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  return walk(root, '', 0);
}

/** A value broken the ways a careless or hostile client breaks one: a field dropped, swapped, added, or the whole replaced. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const junk = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(-1, 0, 1e308, -0, '', '..', '../../etc/passwd', 'a/../../x', '\u0000', '__proto__', null, [], {}),
  );
  return fc.oneof(
    valid.chain((v) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0
        ? fc.oneof(
            fc.constantFrom(...Object.keys(v)).chain((k) => junk.map((j) => ({ ...v, [k]: j }))),
            fc.constantFrom(...Object.keys(v)).map((k) => Object.fromEntries(Object.entries(v).filter(([key]) => key !== k))),
            fc.tuple(fc.string({ maxLength: 8 }), junk).map(([k, j]) => ({ ...v, [k]: j })),
          )
        : junk,
    ),
    junk,
  );
}
