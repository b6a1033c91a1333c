/**
 * Asynchronous successive halving (ASHA, Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning"),
 * in the stopping form that W&B's `early_terminate: hyperband` and Ray Tune's AsyncHyperBandScheduler use: a run
 * that reaches a rung is compared with the runs that reached that rung before it, and goes on only if it is in
 * their top 1/eta. The cutoff is Ray's: the (1/eta)-quantile of the losses recorded there, linearly interpolated
 * (numpy's percentile); the first run at a rung always goes on.
 */

/** numpy.percentile's default ('linear'): q in [0, 1] of the values. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

export interface RungJudgement {
  decision: 'continue' | 'stopped';
  /** The loss a run had to match or beat (null for the first at its rung). */
  cutoff: number | null;
  peers: number;
}

/** Judges a run's loss (lower is better) at a rung against the losses recorded there before it. */
export function judgeAtRung(peers: readonly number[], loss: number, eta: number): RungJudgement {
  const recorded = peers.filter(Number.isFinite);
  if (recorded.length === 0) return { decision: Number.isFinite(loss) ? 'continue' : 'stopped', cutoff: null, peers: 0 };
  const cutoff = quantile(recorded, 1 / eta);
  return { decision: loss <= cutoff ? 'continue' : 'stopped', cutoff, peers: recorded.length };
}

export { stoppedReason } from '../../shared/sweep-search';
