/**
 * The tree-structured Parzen estimator (Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization"), with
 * the defaults of Optuna's TPESampler as Watanabe 2023 ("Tree-Structured Parzen Estimator: Understanding Its
 * Algorithm Components and Their Roles for Better Empirical Performance") describes them, read against Optuna 3.1's
 * `samplers/_tpe` (Debian's python3-optuna):
 * - 10 random trials first; then each parameter on its own (univariate), from 24 candidates drawn from l(x);
 * - the good group is the best γ(n) = min(⌈0.1 n⌉, 25) of the n finished trials (stopped ones ranked after finished
 *   ones, by how far they got, then by their value), every other trial (and each running one, the constant liar) bad;
 * - weights 1 for the newest 25 observations and a ramp below them, a prior kernel of weight 1;
 * - kernels are truncated normals whose width is the larger gap to a sorted neighbour, clipped to
 *   [(high − low) / min(100, 1 + kernels), high − low]; log parameters in log space, integers as bins of width 1;
 * - categorical kernels put prior_weight / (n + 1) on each choice and 1 more on the observed one;
 * - several objectives (MOTPE): the good group by non-domination rank, the last rank cut by greedy hypervolume
 *   subset selection, and weighted by hypervolume contribution.
 */
import type { SweepValue } from '../../shared/sweep';
import { randomProposal, type SearchDimension, type SearchSpace } from '../../shared/sweep-search';
import type { Rng } from '../../shared/random';
import { greedySubset, hypervolume, nondominationRanks, referencePoint } from './hypervolume';
import { logGaussMass, truncnormDraw, truncnormLogPdf } from './truncnorm';

export interface TpeTrial {
  params: Record<string, SweepValue>;
  /** 'pruned': stopped early (at `step`, with its loss there); 'running': proposed and not yet over. */
  state: 'complete' | 'pruned' | 'running';
  /** One loss per objective (values to maximise negated); absent while running. */
  losses?: number[];
  step?: number;
}

export interface TpeOptions {
  startupTrials: number;
  candidates: number;
  priorWeight: number;
}
export const tpeDefaults: TpeOptions = { startupTrials: 10, candidates: 24, priorWeight: 1 };

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/** Optuna's default_weights: ones for the newest 25, a linear ramp from 1/n below them. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return Array.from({ length: n }, () => 1);
  const ramp = n - 25;
  return [
    ...Array.from({ length: ramp }, (_, i) => (ramp === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (ramp - 1))),
    ...Array.from({ length: 25 }, () => 1),
  ];
}

const pick = (weights: readonly number[], u: number): number => {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i] as number;
    if (u < sum) return i;
  }
  return weights.length - 1;
};

const logSumExp = (xs: readonly number[]): number => {
  const max = Math.max(...xs);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(xs.reduce((s, x) => s + Math.exp(x - max), 0));
};

/** One parameter's Parzen estimator: sample candidates, and the log density at a candidate. */
interface Parzen {
  sample(rng: Rng): number;
  logPdf(x: number): number;
}

function mixtureWeights(n: number, priorWeight: number, given?: readonly number[]): number[] {
  const w = [...(given ?? defaultWeights(n)), priorWeight];
  const total = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / total);
}

/** Internal values: categorical choices by index, log parameters in log space, integers as they are. */
function numericParzen(d: Exclude<SearchDimension, { kind: 'categorical' }>, obs: number[], weights: number[]): Parzen {
  const isLog = d.kind === 'float' && d.log;
  const binned = d.kind === 'int';
  const low = isLog ? Math.log(d.low) : binned ? d.low - 0.5 : d.low;
  const high = isLog ? Math.log(d.high) : binned ? d.high + 0.5 : d.high;
  const inner = (x: number) => (isLog ? Math.log(x) : x);
  const mus = [...obs.map(inner), 0.5 * (low + high)];
  // Each kernel as wide as its larger gap to a sorted neighbour (the ends' to their one inner neighbour).
  const order = mus.map((_, i) => i).sort((i, j) => (mus[i] as number) - (mus[j] as number));
  const ends = [low, ...order.map((i) => mus[i] as number), high];
  const sorted = order.map((_, k) =>
    Math.max((ends[k + 1] as number) - (ends[k] as number), (ends[k + 2] as number) - (ends[k + 1] as number)),
  );
  if (ends.length >= 4) {
    sorted[0] = (ends[2] as number) - (ends[1] as number);
    sorted[sorted.length - 1] = (ends.at(-2) as number) - (ends.at(-3) as number);
  }
  const sigmas = new Array<number>(mus.length);
  order.forEach((i, k) => (sigmas[i] = sorted[k] as number));
  const min = (high - low) / Math.min(100, 1 + mus.length);
  for (let i = 0; i < sigmas.length; i++) sigmas[i] = Math.min(high - low, Math.max(min, sigmas[i] as number));
  sigmas[mus.length - 1] = high - low;
  return {
    sample(rng) {
      const k = pick(weights, rng());
      const x = truncnormDraw(rng(), mus[k] as number, sigmas[k] as number, low, high);
      if (isLog) return Math.min(d.high, Math.max(d.low, Math.exp(x)));
      if (binned) return Math.min(d.high, Math.max(d.low, Math.round(x)));
      return x;
    },
    logPdf(value) {
      const x = inner(value);
      return logSumExp(
        mus.map((mu, k) => {
          const s = sigmas[k] as number;
          const density = binned
            ? logGaussMass((Math.max(x - 0.5, low) - mu) / s, (Math.min(x + 0.5, high) - mu) / s) -
              logGaussMass((low - mu) / s, (high - mu) / s)
            : truncnormLogPdf(x, mu, s, low, high);
          return Math.log(weights[k] as number) + density;
        }),
      );
    },
  };
}

function categoricalParzen(choices: number, obs: number[], weights: number[], priorWeight: number): Parzen {
  const rows = [...obs, -1].map((o) => {
    const row = Array.from({ length: choices }, (_, c) => priorWeight / (obs.length + 1) + (c === o ? 1 : 0));
    const sum = row.reduce((s, x) => s + x, 0);
    return row.map((x) => x / sum);
  });
  return {
    sample: (rng) => pick(rows[pick(weights, rng())] as number[], rng()),
    logPdf: (c) => Math.log(rows.reduce((s, row, k) => s + (weights[k] as number) * (row[c] as number), 0)),
  };
}

/** Splits trials into the good group and the bad one (trial indices, oldest first), with the good group's weights. */
function split(trials: readonly TpeTrial[]): { below: number[]; above: number[]; belowWeights?: number[] } {
  const done = trials.map((t, i) => ({ t, i })).filter(({ t }) => t.state !== 'running' && t.losses);
  const running = trials.map((t, i) => ({ t, i })).filter(({ t }) => t.state === 'running' || !t.losses);
  const nBelow = defaultGamma(done.length);
  const objectives = done[0]?.t.losses?.length ?? 1;
  if (objectives <= 1) {
    // (−step, loss) ascending: finished trials (step −∞) before stopped ones, those that got further first.
    const key = (t: TpeTrial) => [t.state === 'complete' ? -Infinity : -(t.step ?? 0), t.losses?.[0] ?? Infinity] as const;
    const ranked = [...done].sort((a, b) => {
      const [sa, la] = key(a.t);
      const [sb, lb] = key(b.t);
      return sa - sb || la - lb || a.i - b.i;
    });
    const below = ranked.slice(0, nBelow).map((x) => x.i);
    const above = [...ranked.slice(nBelow).map((x) => x.i), ...running.map((x) => x.i)];
    return { below: below.sort((a, b) => a - b), above: above.sort((a, b) => a - b) };
  }
  // Several objectives: stopped trials are left out, as Optuna's MOTPE does.
  const finished = done.filter(({ t }) => t.state === 'complete');
  const losses = finished.map(({ t }) => t.losses as number[]);
  const ranks = nondominationRanks(losses);
  const chosen: number[] = [];
  let rank = 0;
  for (; chosen.length < nBelow; rank++) {
    const level = finished.map((_, j) => j).filter((j) => ranks[j] === rank);
    if (level.length === 0) break;
    if (chosen.length + level.length <= nBelow) chosen.push(...level);
    else {
      const pts = level.map((j) => losses[j] as number[]);
      chosen.push(...greedySubset(pts, nBelow - chosen.length, referencePoint(pts)).map((k) => level[k] as number));
    }
  }
  const below = chosen.map((j) => finished[j]?.i as number).sort((a, b) => a - b);
  const above = trials.map((_, i) => i).filter((i) => !below.includes(i));
  // The good group weighted by each point's hypervolume contribution, scaled to at most 1.
  const pts = below.map((i) => trials[i]?.losses as number[]);
  let belowWeights = pts.map(() => 1);
  if (pts.length > 1) {
    const ref = referencePoint(pts);
    const all = hypervolume(pts, ref);
    const contributions = pts.map(
      (_, k) =>
        all -
        hypervolume(
          pts.filter((__, j) => j !== k),
          ref,
        ) +
        1e-12,
    );
    const max = Math.max(...contributions);
    belowWeights = contributions.map((c) => Math.min(1, c / max));
  }
  return { below, above, belowWeights };
}

const internal = (d: SearchDimension, v: SweepValue): number =>
  d.kind === 'categorical' ? d.choices.findIndex((c) => JSON.stringify(c) === JSON.stringify(v)) : Number(v);

/**
 * The next configuration: random while fewer than `startupTrials` trials have finished (or stopped), else each
 * parameter maximising l(x) / g(x) over candidates drawn from l(x). Deterministic for the same trials and stream.
 */
export function proposeTpe(
  space: SearchSpace,
  trials: readonly TpeTrial[],
  rng: Rng,
  options: Partial<TpeOptions> = {},
): Record<string, SweepValue> {
  const o = { ...tpeDefaults, ...options };
  const finished = trials.filter((t) => t.state !== 'running' && t.losses).length;
  if (finished < o.startupTrials) return randomProposal(space, rng);
  const { below, above, belowWeights } = split(trials);
  const out: Record<string, SweepValue> = {};
  for (const [path, d] of Object.entries(space)) {
    const obs = (ids: number[]) =>
      ids
        .map((i) => internal(d, trials[i]?.params[path] ?? null))
        .filter((x) => Number.isFinite(x) && x >= (d.kind === 'categorical' ? 0 : -Infinity));
    const build = (ids: number[], given?: number[]): Parzen => {
      const xs = obs(ids);
      const w = mixtureWeights(xs.length, o.priorWeight, given?.slice(0, xs.length));
      return d.kind === 'categorical' ? categoricalParzen(d.choices.length, xs, w, o.priorWeight) : numericParzen(d, xs, w);
    };
    const l = build(below, belowWeights);
    const g = build(above);
    let best = NaN;
    let score = -Infinity;
    for (let c = 0; c < o.candidates; c++) {
      const x = l.sample(rng);
      const s = l.logPdf(x) - g.logPdf(x);
      if (s > score || Number.isNaN(best)) [best, score] = [x, s];
    }
    out[path] = d.kind === 'categorical' ? (d.choices[best] ?? null) : best;
  }
  return out;
}
