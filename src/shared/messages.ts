/**
 * What a refused value is told, in a researcher's words rather than the validator's ("must be a whole number", not
 * "Invalid input: expected int, received number"), for every schema of the contract: zod's global error map, set
 * once by importing this module (src/shared/config.ts does). A message a schema states itself still wins.
 */
import { z } from 'zod';

const noun: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a text',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of fields',
};

/** What a value is, in words: "a text", "a list", "nothing". */
function what(input: unknown): string {
  if (input === undefined || input === null) return 'nothing';
  if (typeof input === 'number') return Number.isNaN(input) ? 'not a number' : 'a number';
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
      if (typeof issue.input === 'number' && Number.isNaN(issue.input)) return `must be ${expected}`;
      if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) return `must be a finite number (not ${issue.input})`;
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
    default:
      return undefined;
  }
}

z.config({ customError: (issue) => issueMessage(issue) });
