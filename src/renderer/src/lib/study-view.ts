/** The disentanglement study's panels (StudyCharts): their value axes, and what each model's points stand for. */
import { studyParams } from '../../../shared/study';
import { niceStep, tickLabels } from './compare';

/**
 * A metric panel's value axis: from 0 (or the lowest value, below 0) to the first round step at or above the
 * highest, about `count` steps, so that its ticks read as round numbers (0, 0.01, 0.02, 0.03), not the rounded
 * thirds of the top value (0.00, 0.01, 0.03).
 */
export function studyAxis(
  values: readonly number[],
  count = 3,
): { lo: number; hi: number; ticks: { at: number; label: string }[] } {
  const lo = Math.min(0, ...values);
  const top = Math.max(...values, lo);
  const step = niceStep(lo, top > lo ? top : lo + 1, count);
  const hi = Math.max(lo + step, Math.ceil(top / step - 1e-9) * step);
  const at: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) at.push(Number(t.toPrecision(12)));
  const labels = tickLabels(at);
  return { lo, hi, ticks: at.map((v, i) => ({ at: v, label: labels[i] ?? String(v) })) };
}

/** Each model's strengths in the order the study runs them (weakest first: its points' shades, light to dark). */
export function studyStrengths(runs: readonly { params: Record<string, unknown> }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of runs) {
    const model = String(r.params[studyParams.model]);
    const strength = String(r.params[studyParams.strength]);
    const list = out.get(model) ?? [];
    if (!list.includes(strength)) list.push(strength);
    out.set(model, list);
  }
  return out;
}

/** "3" where every model has that many strengths, "2–3" where they differ. */
export function strengthCount(strengths: Map<string, string[]>): string {
  const counts = [...strengths.values()].map((s) => s.length);
  if (counts.length === 0) return '0';
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}
