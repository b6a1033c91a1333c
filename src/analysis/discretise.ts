import { column, type Matrix, rowCount } from './matrix';

// disentanglement_lib evaluation/metrics/utils.py _histogram_discretize: np.digitize(x, np.histogram(x, bins)[1][:-1]), values 1..bins.
export function histogramDiscretize(values: Float32Array | Float64Array, bins: number): Int32Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError('codes must be finite to be binned');
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  // np.linspace(min, max, bins + 1): start + i * step, computed in float64 and cast to the data's dtype (numpy 1.x).
  const round = values instanceof Float32Array ? Math.fround : (v: number) => v;
  const step = (max - min) / bins;
  const edges = new Float64Array(bins);
  for (let i = 0; i < bins; i++) edges[i] = round(i * step + min);
  const out = new Int32Array(values.length);
  for (let n = 0; n < values.length; n++) {
    // np.digitize with increasing bins, right=False: the number of edges ≤ x.
    const v = values[n]!;
    let lo = 0;
    let hi = bins;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    out[n] = lo;
  }
  return out;
}

/**
 * Continuous factors (the Faces generator's) binned into `bins` equal-width classes per factor, so that the
 * discrete-factor metrics (MIG, SAP, DCI) can use them. Grid factors (Shapes) need no binning: their values are classes.
 */
export function discretiseColumns(matrix: Matrix, bins: number): { values: Int32Array; dim: number } {
  const n = rowCount(matrix);
  const values = new Int32Array(n * matrix.dim);
  for (let j = 0; j < matrix.dim; j++) {
    const binned = histogramDiscretize(column(matrix, j), bins);
    for (let i = 0; i < n; i++) values[i * matrix.dim + j] = binned[i]!;
  }
  return { values, dim: matrix.dim };
}
