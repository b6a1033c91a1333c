/**
 * Rows of an [n, d] table projected on its first `components` principal axes (centred; the axes are the top
 * eigenvectors of the covariance, found by power iteration with deflation), [n, components] row-major. Each axis is
 * signed so that its largest entry is positive, so the picture does not flip from one epoch to the next by chance.
 */
export function principalComponents(values: ArrayLike<number>, n: number, d: number, components = 2): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += values[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const da = values[i * d + a]! - mean[a]!;
      for (let b = a; b < d; b++) cov[a * d + b]! += (da * (values[i * d + b]! - mean[b]!)) / n;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a]!;
  let trace = 0;
  for (let a = 0; a < d; a++) trace += cov[a * d + a]!;
  const axes: Float64Array[] = [];
  for (let c = 0; c < Math.min(components, d); c++) {
    let v = Float64Array.from({ length: d }, (_, j) => 1 + j / d);
    for (let iteration = 0; iteration < 200; iteration++) {
      const next = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) next[a]! += cov[a * d + b]! * v[b]!;
      // Deflation: the axes found so far are taken out.
      for (const axis of axes) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += next[j]! * axis[j]!;
        for (let j = 0; j < d; j++) next[j]! -= dot * axis[j]!;
      }
      const norm = Math.hypot(...next);
      // No variance left in any direction (codes of lower rank than the components asked for): a zero axis, whose
      // coordinates are all 0, not the starting vector's.
      if (norm <= 1e-12 * trace) {
        v = new Float64Array(d);
        break;
      }
      v = next.map((x) => x / norm);
    }
    let largest = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[largest]!)) largest = j;
    if (v[largest]! < 0) v = v.map((x) => -x);
    axes.push(v);
  }
  const out = new Float64Array(n * components);
  for (let i = 0; i < n; i++) {
    axes.forEach((axis, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (values[i * d + j]! - mean[j]!) * axis[j]!;
      out[i * components + c] = s;
    });
  }
  return out;
}

/** Each projected component's share of the codes' total variance (`projected`: [n, components], as returned above). */
export function varianceShares(
  values: ArrayLike<number>,
  n: number,
  d: number,
  projected: ArrayLike<number>,
  components = 2,
): number[] {
  const variance = (get: (i: number) => number) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += get(i) / n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (get(i) - mean) ** 2 / n;
    return sum;
  };
  let total = 0;
  for (let j = 0; j < d; j++) total += variance((i) => values[i * d + j]!);
  return Array.from({ length: components }, (_, c) => (total > 0 ? variance((i) => projected[i * components + c]!) / total : 0));
}
