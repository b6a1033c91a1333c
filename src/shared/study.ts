/**
 * The disentanglement study (Locatello et al. 2019, "Challenging Common Assumptions in the Unsupervised Learning of
 * Disentangled Representations", the benchmark of disentanglement_lib): the models that declare a part in it (each
 * family's `study`), at three regularisation strengths each and N seeds, every run evaluated on a set with known
 * factors. Its summary is what the paper draws: per model, each metric's spread over seeds and strengths, and the
 * rank correlation between the metrics.
 */
import { z } from 'zod';
import { nameMaxLength } from './config';
import type { SweepSpecInput } from './sweep';

export const StudySpec = z.strictObject({
  kind: z.literal('disentanglement'),
  /** A data set with known factors (Shapes is generated here; dSprites-like). */
  dataset: z.string().min(1).max(120).default('shapes'),
  seeds: z.number().int().min(1).max(10).default(3),
  epochs: z.number().int().min(1).max(1000).default(10),
  /** Training images (all when absent); the test split keeps a fifth as many. */
  subset: z.number().int().min(100).max(1_000_000).optional(),
  latentSize: z.number().int().min(2).max(64).default(10),
  /** Training points of the β-VAE and FactorVAE scores (the evaluation's default, 1,000, when absent). */
  scorePoints: z.number().int().min(10).max(10000).optional(),
  /** Images MIG, SAP and DCI draw from the generator (the evaluation's default, disentanglement_lib's 10,000, when absent). */
  disentanglementPoints: z.number().int().min(100).max(20000).optional(),
  /** The families that take part (their ids); every one that declares a part when absent. */
  models: z.array(z.string().min(1).max(60)).min(1).max(32).optional(),
});
export type StudySpec = z.infer<typeof StudySpec>;

/** The figures a disentanglement study compares, as the runs table names an evaluation's figures. */
export const studyMetrics = ['eval.mig', 'eval.sap', 'eval.dci_disentanglement', 'eval.factor_vae_score', 'eval.beta_vae_score'];

/** The sweep parameters a study's run carries: its model, its strength and its seed. */
export const studyParams = { model: 'study.model', strength: 'study.strength', seed: 'training.seed' } as const;

export interface StudyRun {
  /** The run's id, where known (the CLI's summary names each run). */
  id?: number;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
}

export interface MetricSpread {
  values: number[];
  /** The same values with the run each is of: its id, strength and seed. */
  runs: { id: number | null; strength: unknown; seed: unknown; value: number }[];
  median: number | null;
  min: number | null;
  max: number | null;
}

export interface StudySummary {
  models: { model: string; runs: number; metrics: Record<string, MetricSpread> }[];
  /**
   * Spearman's ρ between each pair of metrics over every run that has both (null with fewer than three), the number of
   * those runs, and ρ's approximate 95 % interval (null with fewer than four runs, or ρ of ±1).
   */
  rankCorrelation: { metrics: string[]; matrix: (number | null)[][]; n: number[][]; interval95: ([number, number] | null)[][] };
}

/**
 * An approximate 95 % interval of Spearman's ρ over n pairs: Fisher's z = atanh ρ with the variance 1.06 / (n − 3) that
 * Fieller, Hartley & Pearson (1957, Biometrika 44) found for ranks, back through tanh.
 */
export function spearmanInterval(rho: number | null, n: number): [number, number] | null {
  if (rho === null || n < 4 || Math.abs(rho) >= 1) return null;
  const z = Math.atanh(rho);
  const half = 1.96 * Math.sqrt(1.06 / (n - 3));
  return [Math.tanh(z - half), Math.tanh(z + half)];
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Ranks from 1, ties given their average rank. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.x === order[i]?.x) j++;
    for (let k = i; k <= j; k++) out[order[k]?.i as number] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation: Pearson's r of the average ranks, as scipy.stats.spearmanr computes it (ties share a rank). */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 3 || a.length !== b.length) return null;
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (r: number[]) => r.reduce((s, x) => s + x, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = (ra[i] as number) - ma;
    const y = (rb[i] as number) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? null : num / Math.sqrt(da * db);
}

export function studySummary(runs: readonly StudyRun[], metrics: readonly string[] = studyMetrics): StudySummary {
  const byModel = new Map<string, StudyRun[]>();
  for (const r of runs) {
    const raw = r.params[studyParams.model];
    const model = typeof raw === 'string' ? raw : '?';
    byModel.set(model, [...(byModel.get(model) ?? []), r]);
  }
  const models = [...byModel.entries()].map(([model, rs]) => ({
    model,
    runs: rs.length,
    metrics: Object.fromEntries(
      metrics.map((m) => {
        const having = rs.filter((r) => r.metrics[m] !== undefined && Number.isFinite(r.metrics[m]));
        const values = having.map((r) => r.metrics[m] as number);
        return [
          m,
          {
            values,
            runs: having.map((r) => ({
              id: r.id ?? null,
              strength: r.params[studyParams.strength],
              seed: r.params[studyParams.seed],
              value: r.metrics[m] as number,
            })),
            median: median(values),
            min: values.length ? Math.min(...values) : null,
            max: values.length ? Math.max(...values) : null,
          },
        ];
      }),
    ),
  }));
  const both = (a: string, b: string) => runs.filter((r) => Number.isFinite(r.metrics[a]) && Number.isFinite(r.metrics[b]));
  const matrix = metrics.map((a) =>
    metrics.map((b) =>
      spearman(
        both(a, b).map((r) => r.metrics[a] as number),
        both(a, b).map((r) => r.metrics[b] as number),
      ),
    ),
  );
  const n = metrics.map((a) => metrics.map((b) => both(a, b).length));
  const interval95 = matrix.map((row, i) => row.map((rho, j) => spearmanInterval(rho, n[i]?.[j] ?? 0)));
  return { models, rankCorrelation: { metrics: [...metrics], matrix, n, interval95 } };
}

/**
 * A study's name when none is given: its data set, seeds and epochs, and its models when only some of those that take
 * part (`taking`, in the registry's order, with their names in the study) were chosen, in that order.
 */
export function defaultStudyName(
  study: Pick<StudySpec, 'dataset' | 'seeds' | 'epochs'> & { models?: readonly string[] | undefined },
  taking: readonly { id: string; label: string }[] = [],
): string {
  const chosen = taking.filter((t) => !study.models || study.models.includes(t.id));
  const some = chosen.length > 0 && chosen.length < taking.length;
  const seeds = `${study.seeds} seed${study.seeds === 1 ? '' : 's'}`;
  const of = `(${study.dataset}, ${seeds}, ${study.epochs} epoch${study.epochs === 1 ? '' : 's'})`;
  // As long as a sweep's name may be: the models counted where naming them would not fit, then the whole cut.
  const name = [some ? ` of ${chosen.map((t) => t.label).join(', ')}` : '', some ? ` of ${chosen.length} models` : '']
    .map((models) => `disentanglement study${models} ${of}`)
    .find((n) => n.length <= nameMaxLength);
  return name ?? `disentanglement study ${of}`.slice(0, nameMaxLength - 1) + '…';
}

/**
 * A study as a sweep spec: its runs come from `study` (each family's part in it), evaluated for disentanglement as
 * each completes; `base` and `parameters` only describe it.
 */
export function studySweepSpec(name: string, study: z.input<typeof StudySpec>): SweepSpecInput {
  const seeds = study.seeds ?? 3;
  return {
    name,
    base: {},
    method: 'grid',
    parameters: { [studyParams.seed]: { values: Array.from({ length: seeds }, (_, i) => i + 1) } },
    maxRuns: 1000,
    study: { ...study, seeds },
    evaluate: {
      what: ['disentanglement'],
      ...(study.scorePoints ? { scorePoints: study.scorePoints } : {}),
      ...(study.disentanglementPoints ? { disentanglementPoints: study.disentanglementPoints } : {}),
    },
  };
}
