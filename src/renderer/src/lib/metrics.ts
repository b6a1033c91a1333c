import type { MetricPoint } from '../../../shared/api';
import type { MetricDeclaration } from '../../../families/family-spec';
import { num } from './format';

/** The test metrics `<prefix><d>` of the latest epoch that has them, in dimension order (e.g. a VAE's kl_dim_0, kl_dim_1, …). */
export function perDimension(metrics: readonly MetricPoint[], prefix: string): { dim: number; value: number }[] {
  const named = metrics.filter(
    (m) => m.split === 'test' && m.name.startsWith(prefix) && /^\d+$/.test(m.name.slice(prefix.length)),
  );
  const latestStep = named.reduce((s, m) => Math.max(s, m.step), -1);
  return named
    .filter((m) => m.step === latestStep)
    .map((m) => ({ dim: Number(m.name.slice(prefix.length)), value: m.value }))
    .sort((a, b) => a.dim - b.dim);
}

/** A declared metric's value as its declaration asks: decimals, a percentage, or a count ("n / dimensions" with `dimensions`). */
export function formatMetric(m: MetricDeclaration, value: number | undefined, dimensions?: number): string {
  if (m.format === 'percent') return value === undefined || !Number.isFinite(value) ? '–' : `${(100 * value).toFixed(1)} %`;
  if (m.format === 'count') {
    const n = value === undefined ? '–' : String(Math.round(value));
    return dimensions === undefined ? n : `${n} / ${dimensions}`;
  }
  return num(value, m.digits ?? 4);
}

/** The label of a metric's row: its label, and its unit when it has one. */
export function metricLabel(m: MetricDeclaration): string {
  return m.unit ? `${m.label} (${m.unit})` : m.label;
}

/** The test id of a declared metric's value: metric-neg-elbo for neg_elbo. */
export function metricTestId(name: string): string {
  return `metric-${name.replaceAll('_', '-')}`;
}

/** Declared metrics listed as rows (not the per-dimension sets), the headline first. */
export function listedMetrics(declared: readonly MetricDeclaration[]): MetricDeclaration[] {
  return declared.filter((m) => !m.perDimension).sort((a, b) => Number(b.headline ?? false) - Number(a.headline ?? false));
}

/**
 * The title a run view gives a declared view, as other text names it: the declared title up to its colon
 * ("Learned prior (PixelCNN)" of "Learned prior (PixelCNN): its samples above, …"), so that a note pointing to a
 * panel names one that is there.
 */
export function panelName(views: readonly { kind: string; title: string }[], kind: string): string | undefined {
  return views
    .find((v) => v.kind === kind)
    ?.title.split(':')[0]
    ?.trim();
}

/**
 * A run's stored metrics read while it trains, with the points streamed in meanwhile: those the reading does not
 * hold (stored after the read) are kept, each once (by split, name and step), in the order they came.
 */
export function withLivePoints(stored: MetricPoint[], live: readonly MetricPoint[]): MetricPoint[] {
  const key = (p: MetricPoint) => `${p.split}\u0000${p.name}\u0000${p.step}`;
  const known = new Set(stored.map(key));
  const later = live.filter((p) => !known.has(key(p)));
  return later.length > 0 ? [...stored, ...later] : stored;
}

/**
 * The figures that end at or above one they should beat (MetricDeclaration.shouldBeat; lower is better for both): a
 * denoiser whose output is further from the clean images than its noisy input was. `value` reads a test figure.
 */
export function unbeatenFigures(
  declared: readonly MetricDeclaration[],
  value: (name: string) => number | undefined,
): { label: string; value: number; otherLabel: string; against: number }[] {
  return declared.flatMap((m) => {
    const other = declared.find((o) => o.name === m.shouldBeat);
    const mine = value(m.name);
    const against = other ? value(other.name) : undefined;
    return other && mine !== undefined && against !== undefined && mine >= against
      ? [{ label: m.label, value: mine, otherLabel: other.label, against }]
      : [];
  });
}

/** Within this share of the mean image's test MSE, a run has learned next to nothing (a collapsed VQ-VAE: 97 %). */
export const barelyBetterShare = 0.95;

/**
 * How a finished run's test MSE stands against the mean image's: 'no better' at or above it, 'barely better' within
 * `barelyBetterShare` of it, else null (nothing to say).
 */
export function againstMeanImage(
  testMse: number | undefined,
  baseline: number | undefined,
): 'no better' | 'barely better' | null {
  if (testMse === undefined || baseline === undefined || !(baseline > 0)) return null;
  return testMse >= baseline ? 'no better' : testMse >= barelyBetterShare * baseline ? 'barely better' : null;
}
