/**
 * Counting and information for discrete labels, exactly as scikit-learn computes them
 * (sklearn/metrics/cluster/_supervised.py: contingency_matrix, entropy, mutual_info_score), in nats.
 * Shared by the clustering scores (NMI) and MIG.
 */

/** A dense contingency table: counts[r * cols + c] = #{i : a_i = rowValues[r], b_i = colValues[c]}. */
export interface Contingency {
  rowValues: number[];
  colValues: number[];
  counts: Float64Array;
  rowSums: Float64Array;
  colSums: Float64Array;
  total: number;
}

/** The sorted distinct values of `labels` and each label's index among them (np.unique with return_inverse). */
export function uniqueInverse(labels: ArrayLike<number>): { values: number[]; inverse: Int32Array } {
  const values = [...new Set(Array.from(labels))].sort((x, y) => x - y);
  const index = new Map(values.map((v, i) => [v, i]));
  const inverse = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) inverse[i] = index.get(labels[i]!)!;
  return { values, inverse };
}

// sklearn.metrics.cluster.contingency_matrix(labels_true, labels_pred): rows are a's values, columns b's.
export function contingencyMatrix(a: ArrayLike<number>, b: ArrayLike<number>): Contingency {
  if (a.length !== b.length) throw new RangeError(`label arrays differ in length: ${a.length} vs ${b.length}`);
  const rows = uniqueInverse(a);
  const cols = uniqueInverse(b);
  const r = rows.values.length;
  const c = cols.values.length;
  const counts = new Float64Array(r * c);
  for (let i = 0; i < a.length; i++) counts[rows.inverse[i]! * c + cols.inverse[i]!]! += 1;
  const rowSums = new Float64Array(r);
  const colSums = new Float64Array(c);
  for (let x = 0; x < r; x++) {
    for (let y = 0; y < c; y++) {
      rowSums[x]! += counts[x * c + y]!;
      colSums[y]! += counts[x * c + y]!;
    }
  }
  return { rowValues: rows.values, colValues: cols.values, counts, rowSums, colSums, total: a.length };
}

// sklearn.metrics.cluster.entropy (natural log); sklearn returns 1.0 for no labels.
export function labelEntropy(labels: ArrayLike<number>): number {
  if (labels.length === 0) return 1;
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  if (counts.size === 1) return 0;
  const total = labels.length;
  let h = 0;
  for (const count of counts.values()) h -= (count / total) * (Math.log(count) - Math.log(total));
  return h;
}

// sklearn.metrics.mutual_info_score from a contingency table, term by term as sklearn sums it.
export function mutualInfoFromContingency(table: Contingency): number {
  const r = table.rowValues.length;
  const c = table.colValues.length;
  if (r === 1 || c === 1) return 0;
  const logTotal = Math.log(table.total);
  let mi = 0;
  for (let x = 0; x < r; x++) {
    for (let y = 0; y < c; y++) {
      const count = table.counts[x * c + y]!;
      if (count === 0) continue;
      const p = count / table.total;
      const logOuter = -Math.log(table.rowSums[x]! * table.colSums[y]!) + 2 * logTotal;
      const term = p * (Math.log(count) - logTotal) + p * logOuter;
      if (Math.abs(term) >= Number.EPSILON) mi += term;
    }
  }
  return Math.max(0, mi);
}

// sklearn.metrics.mutual_info_score(a, b), in nats.
export function mutualInfoScore(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return mutualInfoFromContingency(contingencyMatrix(a, b));
}
