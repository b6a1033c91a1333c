/**
 * The text of a number field, kept apart from its value: a field of type `number` empties its value while the text
 * is not yet a number ("1e-", "-"), and writing the parsed value back while one types turned 1e-10 into 0.1. So the
 * studio's number fields are text fields (`NumberInput`) that hold what was typed, parse it here, and take the value
 * from outside only when it is not what the text already says.
 */

/** The number a field's text says: undefined when empty, NaN when it is not a number (the form then names it). */
export function parseNumberText(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  // Number() also reads "0x10", "Infinity" and "1_0"-free forms; a decimal or scientific literal is what is meant.
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : Number.NaN;
}

/** The text to show for `value`, keeping `text` while it already says that value ("1e-3" stays, not "0.001"). */
export function textFor(value: number | null | undefined, text: string): string {
  if (value === undefined || value === null) return parseNumberText(text) === undefined ? text : '';
  const said = parseNumberText(text);
  // NaN stands for text that is no number: the text it came from stays, and no "NaN" is ever shown.
  if (Number.isNaN(value)) return Number.isNaN(said) ? text : '';
  return said === value ? text : String(value);
}

/** The value one arrow key press gives: `step` up or down from the text's number, kept within [min, max]. */
export function stepped(
  text: string,
  direction: 1 | -1,
  bounds: { step?: number | undefined; min?: number | undefined; max?: number | undefined },
): number | undefined {
  const at = parseNumberText(text);
  const step = bounds.step ?? 1;
  const from = at === undefined || Number.isNaN(at) ? (bounds.min ?? 0) : at;
  // Rounded to the step's decimals, so 0.1 + 0.2 reads 0.3.
  const decimals = Math.max(decimalsOf(step), decimalsOf(from));
  let next = Number((from + direction * step).toFixed(Math.min(decimals, 12)));
  if (bounds.min !== undefined) next = Math.max(bounds.min, next);
  if (bounds.max !== undefined) next = Math.min(bounds.max, next);
  return next;
}

function decimalsOf(x: number): number {
  const s = String(x);
  const e = /e-(\d+)$/.exec(s);
  if (e) return Number(e[1]) + (s.split('e')[0]?.split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}
