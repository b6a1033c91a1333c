import type { FamilyInfo, RunSummary } from '../../../shared/api';
import { duration } from '../../../shared/duration';

export { duration };

export function latest(run: Pick<RunSummary, 'latest'>, split: string, name: string): number | undefined {
  return run.latest.find((m) => m.split === split && m.name === name)?.value;
}

/** The most significant digits a figure shows: a loss of 455 nats reads 455.03, not 455.0312. */
const mostSignificant = 5;

/**
 * A figure: '–' where there is none, '∞' (or '−∞') where it diverged, exponent form where fixed digits would hide it.
 * `digits` decimals below 1; above, no more than five significant digits in all (463.11, 12.345, 0.0839), so a
 * loss in nats and one per pixel read alike.
 */
export function num(v: number | undefined | null, digits = 4): string {
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  const decimals = (whole: number) => Math.max(0, Math.min(digits, mostSignificant - whole));
  const whole = Math.abs(v) >= 1 ? Math.floor(Math.log10(Math.abs(v))) + 1 : 0;
  let text = v.toFixed(decimals(whole));
  // Rounding can carry into a new digit (9999.96 → 10000.0): then one decimal fewer, and past 1e5 the exponent.
  const carried = Math.abs(Number(text)) >= 1 ? Math.floor(Math.log10(Math.abs(Number(text)))) + 1 : 0;
  if (carried > whole) text = v.toFixed(decimals(carried));
  return Math.abs(Number(text)) >= 1e5 ? v.toExponential(2) : text;
}

export function when(iso: string | null): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
}

export function elapsed(start: string | null, end: string | null, now: number = Date.now()): string {
  if (!start) return '–';
  return duration(((end ? new Date(end).getTime() : now) - new Date(start).getTime()) / 1000);
}

/** An array element in one line: a layer {type: 'dense', units: 512, activation: 'relu'} reads "dense 512 relu". */
function item(v: unknown): string {
  return v !== null && typeof v === 'object' ? Object.values(v).map(item).join(' ') : String(v);
}

/** Flattens a config into dotted paths, arrays kept whole, for side-by-side tables. */
export function flatten(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { [prefix]: Array.isArray(value) ? `[${value.map(item).join(', ')}]` : String(value) };
  }
  return Object.assign(
    {},
    ...Object.entries(value as Record<string, unknown>).map(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k)),
  ) as Record<string, string>;
}

/** A count with thousands separators: 60,000. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A size on disk: 12.3 MB. */
export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} kB`;
}

/**
 * The figure a list of runs shows beside each: its family's figure that is measured alike whatever the loss weights
 * (`comparable`: a VAE's −ELBO, which the test loss is not across β), where the run has it, else its test loss.
 */
export function runFigure(
  run: Pick<RunSummary, 'latest' | 'family'>,
  families: readonly Pick<FamilyInfo, 'id' | 'metrics' | 'lossUnit'>[],
): { label: string; value: string; title: string } {
  const family = families.find((f) => f.id === run.family);
  const comparable = family?.metrics.find((m) => m.comparable && latest(run, 'test', m.name) !== undefined);
  if (comparable) {
    const label = comparable.label.replace(/^test /, '');
    const value = num(latest(run, 'test', comparable.name));
    return { label: `test ${label}`, value, title: `test ${label}${comparable.unit ? ` (${comparable.unit})` : ''}: ${value}` };
  }
  const value = num(latest(run, 'test', 'loss'));
  return { label: 'test loss', value, title: `test loss, ${family?.lossUnit ?? ''}: ${value}` };
}
