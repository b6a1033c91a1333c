/**
 * The hypervolume a set of points (losses, all minimised) dominates up to a reference point, exactly, by slicing
 * along the last objective (HSO, While et al. 2006). Multi-objective TPE uses it as Optuna does: to choose among the
 * last non-dominated rank (greedy hypervolume subset selection) and to weight the good group by contribution.
 */

export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const inside = points.filter((p) => p.every((v, i) => v < (reference[i] as number)));
  if (inside.length === 0) return 0;
  const d = reference.length;
  if (d === 1) return (reference[0] as number) - Math.min(...inside.map((p) => p[0] as number));
  const last = d - 1;
  const sorted = [...inside].sort((p, q) => (p[last] as number) - (q[last] as number));
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i]?.[last] as number;
    const to = i + 1 < sorted.length ? (sorted[i + 1]?.[last] as number) : (reference[last] as number);
    if (to <= from) continue;
    const slice = sorted.slice(0, i + 1).map((p) => p.slice(0, last));
    volume += (to - from) * hypervolume(slice, reference.slice(0, last));
  }
  return volume;
}

/** Optuna's reference point: 10 % beyond the worst value of each objective (a tiny value where that is 0). */
export function referencePoint(points: readonly (readonly number[])[]): number[] {
  const d = points[0]?.length ?? 0;
  return Array.from({ length: d }, (_, i) => {
    const worst = Math.max(...points.map((p) => p[i] as number));
    const r = Math.max(1.1 * worst, 0.9 * worst);
    return r === 0 ? 1e-12 : r;
  });
}

/** Non-domination ranks (0 is the front), as Optuna's `_calculate_nondomination_rank`. */
export function nondominationRanks(points: readonly (readonly number[])[]): number[] {
  const dominates = (p: readonly number[], q: readonly number[]) =>
    p.every((v, i) => v <= (q[i] as number)) && p.some((v, i) => v < (q[i] as number));
  const ranks = points.map(() => -1);
  for (let rank = 0; ranks.includes(-1); rank++) {
    const now = points.map((q, j) => ranks[j] === -1 && !points.some((p, i) => ranks[i] === -1 && dominates(p, q)));
    now.forEach((yes, j) => {
      if (yes) ranks[j] = rank;
    });
  }
  return ranks;
}

/** Greedy hypervolume subset selection (Guerreiro et al. 2016): `size` of the points' indices, best first. */
export function greedySubset(points: readonly (readonly number[])[], size: number, reference: readonly number[]): number[] {
  const chosen: number[] = [];
  while (chosen.length < size) {
    const base = hypervolume(
      chosen.map((i) => points[i] as number[]),
      reference,
    );
    let best = -1;
    let gain = -Infinity;
    points.forEach((p, i) => {
      if (chosen.includes(i)) return;
      const g = hypervolume([...chosen.map((j) => points[j] as number[]), p], reference) - base;
      if (g > gain) [best, gain] = [i, g];
    });
    chosen.push(best);
  }
  return chosen;
}
