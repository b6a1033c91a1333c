import type { DatasetInfo, Evaluation, EvaluationDetails, EvaluationKind, FamilyInfo } from '../../../shared/api';
import { selectionLabelNames } from '../../../shared/datasets';
import { splitWord } from '../../../shared/config';
import { count } from './format';

/** One kind an evaluation may judge, as the run view offers it: applicable to this run, or why not. */
export interface KindOption {
  kind: EvaluationKind;
  label: string;
  help: string;
  available: boolean;
  /** Why it does not apply (when it does not). */
  reason?: string;
}

const kindText: Record<EvaluationKind, { label: string; help: string }> = {
  clustering: {
    label: 'Clustering',
    help: 'k-means and a Gaussian mixture on the test codes (ACC, NMI, ARI), beside k-means on the raw pixels',
  },
  probe: {
    label: 'Linear probes',
    help: 'softmax regression on the codes with 10, 100 and 1,000 labels per class, beside the same on the raw pixels',
  },
  disentanglement: {
    label: 'Disentanglement',
    help: 'MIG, SAP and DCI against the data set’s known factors (β-VAE and FactorVAE scores on a generated set)',
  },
  nll: { label: 'Likelihood', help: 'importance-weighted NLL (Burda et al. 2016) beside the −ELBO, and active units' },
};

export const evaluationKinds: readonly EvaluationKind[] = ['clustering', 'probe', 'disentanglement', 'nll'];

/**
 * What a run can be evaluated on, with the same rules the core checks: the codes only when its family has an encoder
 * giving one code per image; clustering and probes with labels; disentanglement with known factors; the NLL with a
 * family likelihood and a loss that implies a normalised one (not smooth L1).
 */
export function kindOptions(
  family: Pick<FamilyInfo, 'evaluation' | 'label'> | undefined,
  dataset: Pick<DatasetInfo, 'name' | 'classes' | 'factors'> | undefined,
  loss: string,
): KindOption[] {
  const codes = family?.evaluation.codes ?? true;
  const likelihood = family?.evaluation.likelihood ?? false;
  const why = (kind: EvaluationKind): string | undefined => {
    if (kind === 'nll') {
      if (!likelihood) return `needs a family with a likelihood (a VAE)`;
      if (loss === 'smoothL1') return 'training.loss smoothL1 implies no normalised likelihood (bce, mse and mae do)';
      return undefined;
    }
    if (!codes) return `${family?.label ?? 'this family'} has no encoder giving one code per image`;
    if (!dataset) return 'the run’s data set is not in the catalogue';
    if ((kind === 'clustering' || kind === 'probe') && dataset.classes === 0) return `${dataset.name} has no labels`;
    if (kind === 'disentanglement' && dataset.factors.length === 0) return `${dataset.name} has no known factors`;
    return undefined;
  };
  return evaluationKinds.map((kind) => {
    const reason = why(kind);
    return { kind, ...kindText[kind], available: reason === undefined, ...(reason === undefined ? {} : { reason }) };
  });
}

// ---------------------------------------------------------------------------------------------- figures

/** A score in [0, 1] (NMI, ARI, MIG, …): three decimals. */
export function score(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

/** An accuracy: a percentage with one decimal. */
export function percent(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)} %`;
}

/** A mean accuracy and its spread over draws: 78.4 ± 1.2 %. */
export function percentSpread(mean: number | undefined, sd: number | undefined): string {
  if (mean === undefined || !Number.isFinite(mean)) return '–';
  return sd === undefined || !Number.isFinite(sd) ? percent(mean) : `${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)} %`;
}

/** Nats per image: two decimals. */
export function nats(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)} nats`;
}

/** A difference of accuracies in percentage points, signed: +5.2 pp. */
export function points(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const p = 100 * v;
  return `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p).toFixed(1)} pp`;
}

export interface ClusteringRow {
  /** The figures' prefix and the confusion matrix's key: kmeans, gmm, pixels_kmeans. */
  key: string;
  method: string;
  features: 'codes' | 'raw pixels';
  baseline: boolean;
}

/** The rows of the clustering table: the codes' algorithms, then the raw-pixel baseline. */
export const clusteringRows: readonly ClusteringRow[] = [
  { key: 'kmeans', method: 'k-means', features: 'codes', baseline: false },
  { key: 'gmm', method: 'Gaussian mixture', features: 'codes', baseline: false },
  { key: 'pixels_kmeans', method: 'k-means', features: 'raw pixels', baseline: true },
];

export const clusteringColumns = [
  {
    suffix: 'acc',
    label: 'ACC',
    title: 'clustering accuracy: the share of images in a cluster matched to their label (Hungarian)',
  },
  { suffix: 'nmi', label: 'NMI', title: 'normalised mutual information between labels and clusters (arithmetic mean)' },
  { suffix: 'ari', label: 'ARI', title: 'adjusted Rand index: 0 for chance, 1 for the labels’ partition' },
] as const;

type Probe = NonNullable<EvaluationDetails['probes']>[number];

export interface ProbeRow {
  labelsPerClass: number;
  codes?: Probe | undefined;
  pixels?: Probe | undefined;
}

/** One row per labelled budget (10, 100, 1,000 per class), codes beside pixels; from the details, or the figures alone. */
export function probeRows(e: Pick<Evaluation, 'figures' | 'details'>): ProbeRow[] {
  const budgets = new Set<number>();
  for (const p of e.details.probes ?? []) budgets.add(p.labelsPerClass);
  for (const name of Object.keys(e.figures)) {
    const m = /^(?:pixels_)?probe_(\d+)_acc$/.exec(name);
    if (m) budgets.add(Number(m[1]));
  }
  const find = (features: Probe['features'], n: number) =>
    e.details.probes?.find((p) => p.features === features && p.labelsPerClass === n);
  return [...budgets]
    .sort((a, b) => a - b)
    .map((labelsPerClass) => ({
      labelsPerClass,
      codes: find('codes', labelsPerClass),
      pixels: find('pixels', labelsPerClass),
    }));
}

export interface FigureSpec {
  name: string;
  label: string;
  title: string;
  format: (v: number | undefined) => string;
}

/** The disentanglement figures in the order a paper's table lists them; the scores that may be absent last. */
export const disentanglementFigures: readonly FigureSpec[] = [
  { name: 'mig', label: 'MIG', title: 'mutual information gap (Chen et al. 2018), mean over factors', format: score },
  {
    name: 'sap',
    label: 'SAP',
    title:
      'separated attribute predictability (Kumar et al. 2018); with discrete factors of many values its ceiling is far below 1 (a linear classifier on one code dimension cannot name 40 orientations), so compare it between runs, not with 1',
    format: score,
  },
  {
    name: 'dci_disentanglement',
    label: 'DCI disentanglement',
    title: 'DCI (Eastwood & Williams 2018): how much each code dimension captures at most one factor',
    format: score,
  },
  {
    name: 'dci_completeness',
    label: 'DCI completeness',
    title: 'DCI: how much each factor is captured by a single code dimension',
    format: score,
  },
  {
    name: 'dci_informativeness',
    label: 'DCI informativeness',
    title: 'DCI: accuracy of predicting the factors from the codes (test)',
    format: score,
  },
  {
    name: 'beta_vae_score',
    label: 'β-VAE score',
    title: 'Higgins et al. 2017: accuracy of a linear classifier naming the factor held fixed (evaluation points)',
    format: percent,
  },
  {
    name: 'factor_vae_score',
    label: 'FactorVAE score',
    title: 'Kim & Mnih 2018: majority-vote accuracy naming the factor held fixed (evaluation points)',
    format: percent,
  },
];

/** Every figure name a panel of the result draws; the others are listed as they are, so none is hidden. */
export function drawnFigureNames(e: Pick<Evaluation, 'figures' | 'details'>): Set<string> {
  const names = new Set<string>();
  for (const r of clusteringRows) for (const c of clusteringColumns) names.add(`${r.key}_${c.suffix}`);
  for (const r of probeRows(e)) {
    names.add(`probe_${r.labelsPerClass}_acc`);
    names.add(`pixels_probe_${r.labelsPerClass}_acc`);
  }
  for (const f of disentanglementFigures) names.add(f.name);
  for (const n of ['iw_nll', 'neg_elbo', 'active_units']) names.add(n);
  return names;
}

/** The other figures (a metric added later), by name. */
export function otherFigures(e: Pick<Evaluation, 'figures' | 'details'>): [string, number][] {
  const drawn = drawnFigureNames(e);
  return Object.entries(e.figures)
    .filter(([name]) => !drawn.has(name))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Seconds the worker took, summed over its parts. */
export function workerSeconds(details: EvaluationDetails): number | undefined {
  const s = details.seconds;
  return s ? Object.values(s).reduce((a, b) => a + b, 0) : undefined;
}

/** The evaluations newest first (the list comes oldest first). */
export function newestFirst<T extends { id: number }>(evaluations: readonly T[]): T[] {
  return [...evaluations].sort((a, b) => b.id - a.id);
}

/** The part of a data set the Evaluation panel needs to say what it judges. */
export type SubjectSet = Pick<DatasetInfo, 'name' | 'testCount' | 'labelNames'> & Partial<Pick<DatasetInfo, 'kind'>>;

/**
 * What the Evaluation panel judges, as its header says: the test split of the run's view of its data, counted as the
 * run uses it (its test subset, where it has one, split evenly between a pair of sets), and out of how many when that
 * is a part. Chosen classes are named: their count in the split is not known here (the results give it).
 */
export function evaluationSubject(
  ref: { name: string; second?: string | undefined; classes?: readonly number[] | undefined; testSubset?: number | undefined },
  find: (name: string) => SubjectSet | undefined,
): string {
  const lead = 'the latent space of a checkpoint, judged on the test split';
  const first = find(ref.name);
  if (!first) return lead;
  const used = (set: SubjectSet, limit: number | undefined) => Math.min(set.testCount, limit ?? set.testCount);
  if (ref.second) {
    const second = find(ref.second);
    if (!second) return `${lead}s of ${ref.name} and ${ref.second}`;
    const half = ref.testSubset === undefined ? undefined : Math.ceil(ref.testSubset / 2);
    const [a, b] = [used(first, half), used(second, half)];
    return `${lead}s of ${ref.name} and ${ref.second} (${count(a)} + ${count(b)} images)`;
  }
  if (ref.classes) {
    const names = selectionLabelNames(ref, first.labelNames) ?? [];
    const limit = ref.testSubset === undefined ? '' : `, the first ${count(ref.testSubset)} at most`;
    return `${lead} of ${ref.name}, its ${names.length === 1 ? 'class' : 'classes'} ${names.join(', ')} only${limit}`;
  }
  const n = used(first, ref.testSubset);
  const part = n !== first.testCount ? ` of ${count(first.testCount)}` : '';
  // A generated set's disentanglement reads images its generator draws afresh (as disentanglement_lib samples).
  const drawn = first.kind === 'generated' ? '; disentanglement on images drawn afresh from its generator' : '';
  return `${lead} of ${ref.name} (${count(n)} images${part})${drawn}`;
}

/**
 * The checkpoint menu's default entry: the checkpoint the studio uses when none is chosen (`runs.get` says which), the
 * newest, or the best by a test metric for a run early stopping ended that keeps its best.
 */
export function defaultCheckpointText(
  chosen: { epoch: number; bestBy: string | null } | null | undefined,
  newestEpoch: number | undefined,
  /** Where the best was judged: the validation split where the run holds one out. */
  split: 'test' | 'val' = 'test',
): string {
  if (chosen === null) return 'newest (no checkpoint file is usable)';
  if (chosen?.bestBy) return `best by ${splitWord(split)} ${chosen.bestBy} (epoch ${chosen.epoch})`;
  const epoch = chosen?.epoch ?? newestEpoch;
  return epoch === undefined ? 'newest' : `newest (epoch ${epoch})`;
}

/**
 * The active-units chart's bars: each variance's log10 (floored at 1e-6), placed on an axis from a whole decade at or
 * below 1e-3 and the smallest variance to a whole decade at or above 1 and the largest, so the axis labels, 10^lo and
 * 10^hi, are where they stand; null without variances.
 */
export function logBars(variances: readonly number[], threshold: number) {
  if (variances.length === 0) return null;
  const logs = variances.map((x) => Math.log10(Math.max(x, 1e-6)));
  const lo = Math.floor(Math.min(-3, ...logs));
  const hi = Math.ceil(Math.max(0, ...logs));
  const at = (l: number) => (l - lo) / (hi - lo);
  return { logs, at, threshold: at(Math.log10(threshold)), lo, hi };
}

/** How a figure reads outside its panel (the runs table's `eval.*` columns): its long name and format. */
export interface FigureReading {
  title: string;
  format: (v: number | undefined) => string;
  /** A percentage: shown as 100 × the value. */
  percent: boolean;
}

/** An evaluation figure by name (`kmeans_acc`, `probe_100_acc`, `mig`, `iw_nll`, …), as its panel says it; undefined for one it does not know. */
export function evaluationFigure(name: string): FigureReading | undefined {
  const clustering = /^(kmeans|gmm|pixels_kmeans)_(acc|nmi|ari)$/.exec(name);
  if (clustering) {
    const row = clusteringRows.find((r) => r.key === clustering[1]);
    const column = clusteringColumns.find((c) => c.suffix === clustering[2]);
    const acc = clustering[2] === 'acc';
    return {
      title: `${row?.method} on the ${row?.features}: ${column?.title}`,
      format: acc ? percent : score,
      percent: acc,
    };
  }
  const probe = /^(pixels_)?probe_(\d+)_acc$/.exec(name);
  if (probe) {
    const on = probe[1] ? 'the raw pixels' : 'the codes';
    return {
      title: `linear probe on ${on}, ${count(Number(probe[2]))} labels per class: test accuracy`,
      format: percent,
      percent: true,
    };
  }
  const d = disentanglementFigures.find((f) => f.name === name);
  if (d) return { title: `${d.label}: ${d.title}`, format: d.format, percent: d.format === percent };
  if (name === 'iw_nll')
    return { title: 'importance-weighted −log p(x), an upper bound (nats per image)', format: nats, percent: false };
  if (name === 'neg_elbo') return { title: '−ELBO on the same draws (nats per image)', format: nats, percent: false };
  if (name === 'active_units')
    return {
      title: 'active units: dimensions whose posterior mean varies (Cov > 0.01)',
      format: (v) => (v === undefined ? '–' : String(Math.round(v))),
      percent: false,
    };
  return undefined;
}

const statusRank = (s: Evaluation['status']) => (s === 'queued' ? 0 : s === 'running' ? 1 : 2);

/**
 * A list of evaluations as read, merged with the one shown: an evaluation's status only moves on (queued, running,
 * ended), so where the one shown is further on (an event arrived after the list was read), it is kept.
 */
export function mergeEvaluations(read: readonly Evaluation[], shown: readonly Evaluation[]): Evaluation[] {
  return read.map((e) => {
    const known = shown.find((k) => k.id === e.id);
    return known && statusRank(known.status) > statusRank(e.status) ? known : e;
  });
}

/**
 * Which labelled budgets the probes left out, and why, from an evaluation's settings ("1,000 per class: the smallest
 * class has 108 training images"); null when none was (or the settings are older than the record of it).
 */
export function probesLeftOut(settings: Evaluation['settings']): string | null {
  const probe = settings['probe'] as { leftOut?: number[]; smallestClass?: number } | undefined;
  const left = probe?.leftOut ?? [];
  if (left.length === 0 || probe?.smallestClass === undefined) return null;
  const budgets = left.map((n) => count(n)).join(' and ');
  return `Left out: ${budgets} per class, as the smallest class has ${count(probe.smallestClass)} training image${probe.smallestClass === 1 ? '' : 's'}.`;
}
