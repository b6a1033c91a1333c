/**
 * What a refused value is told, in a researcher's words rather than the validator's ("must be a whole number", not
 * "Invalid input: expected int, received number"), for every schema of the contract: zod's global error map, set
 * once by importing this module (src/shared/config.ts does). A message a schema states itself still wins.
 */
import { z } from 'zod';
import { didYouMean } from './suggest';

const noun: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of fields',
};

/** What a value is, in words: "a text", "a list", "null", "NaN". */
function what(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (typeof input === 'number') return Number.isFinite(input) ? 'a number' : String(input);
  if (typeof input === 'string') return 'a text';
  if (typeof input === 'boolean') return 'true or false';
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a group of fields' : typeof input;
}

const plural = (n: number | bigint, one: string) => `${n} ${one}${Number(n) === 1 ? '' : 's'}`;

/** The message of a zod issue in words, or undefined to keep zod's own. */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = noun[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `required: ${expected}`;
      const numeric = issue.expected === 'number' || issue.expected === 'int';
      // NaN is what a form's number box reads from text that is no number ("abc", "1e"): said as the box's own rule.
      if (numeric && typeof issue.input === 'number' && Number.isNaN(issue.input)) return `must be ${expected}`;
      if (numeric && typeof issue.input === 'number' && !Number.isFinite(issue.input))
        return `must be a finite number (not ${issue.input})`;
      if (issue.expected === 'int' && typeof issue.input === 'number') return `must be a whole number (not ${issue.input})`;
      return `must be ${expected}, not ${what(issue.input)}`;
    }
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
      if (issue.origin === 'string') return Number(min) <= 1 ? 'must not be empty' : `needs at least ${plural(min, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${plural(min, 'item')}`;
      return undefined;
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint')
        return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
      if (issue.origin === 'string') return `takes at most ${plural(max, 'character')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${plural(max, 'item')}`;
      return undefined;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
    case 'invalid_union': {
      // A discriminated union that no option matched (a family or a layer type named wrong): its names, and the
      // closest to what was typed.
      const { options, discriminator, errors } = issue as {
        options?: unknown[];
        discriminator?: string;
        errors?: { code: string; expected?: string; path: PropertyKey[] }[][];
      };
      if (!options || options.length === 0 || discriminator === undefined) {
        // A plain union (a preset's name or a whole config): the kinds of value it takes, where the value was none.
        const kinds = (errors ?? []).map((e) => e.find((i) => i.code === 'invalid_type' && i.path.length === 0)?.expected);
        if (kinds.length === 0 || kinds.some((k) => k === undefined)) return undefined;
        const words = [...new Set(kinds.map((k) => noun[k as string] ?? (k === 'record' ? noun['object'] : k)))];
        return `must be ${words.join(' or ')}, not ${what(issue.input)}`;
      }
      const names = options.map(String);
      // The issue stands at the discriminator's path, its input the whole object.
      const whole = issue.input;
      const input = whole !== null && typeof whole === 'object' ? (whole as Record<string, unknown>)[discriminator] : undefined;
      if (input === undefined || input === null) return `required: one of ${names.join(', ')}`;
      if (typeof input !== 'string') return `must be one of ${names.join(', ')}, not ${what(input)}`;
      return `${JSON.stringify(input)} is none of ${names.join(', ')}${didYouMean(input, names)}`;
    }
    default:
      return undefined;
  }
}

z.config({ customError: (issue) => issueMessage(issue) });
