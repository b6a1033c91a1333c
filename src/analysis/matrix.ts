/**
 * The one array shape the metrics take: a row-major [rows, dim] table of plain numbers, as tfjs's
 * `dataSync()` returns it. Codes are [n, latentDim]; factors are [n, numFactors], each value a class (grid values
 * such as Shapes' are fine; bin continuous ones with discretiseColumns). Pass a Float32Array as it is: MIG then bins it
 * in float32 as numpy does for float32 codes.
 */
export interface Matrix {
  readonly values: ArrayLike<number>;
  readonly dim: number;
}

export function rowCount(matrix: Matrix): number {
  if (!Number.isInteger(matrix.dim) || matrix.dim <= 0) throw new RangeError(`dim must be a positive integer, got ${matrix.dim}`);
  if (matrix.values.length % matrix.dim !== 0) {
    throw new RangeError(`${matrix.values.length} values do not make rows of ${matrix.dim}`);
  }
  return matrix.values.length / matrix.dim;
}

/** Column j as a new array, keeping Float32 values Float32 (the histogram binning cares). */
export function column(matrix: Matrix, j: number): Float64Array | Float32Array {
  const n = rowCount(matrix);
  const out = matrix.values instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = matrix.values[i * matrix.dim + j]!;
  return out;
}

/** Rows [start, end) as a Float64 matrix. */
export function sliceRows(matrix: Matrix, start: number, end: number): { values: Float64Array; dim: number } {
  const values = new Float64Array((end - start) * matrix.dim);
  for (let k = 0; k < values.length; k++) values[k] = matrix.values[start * matrix.dim + k]!;
  return { values, dim: matrix.dim };
}

/** The rows listed in `indices`, as a Float64 matrix. */
export function selectRows(matrix: Matrix, indices: ArrayLike<number>): { values: Float64Array; dim: number } {
  const d = matrix.dim;
  const values = new Float64Array(indices.length * d);
  for (let r = 0; r < indices.length; r++) {
    const source = indices[r]! * d;
    for (let j = 0; j < d; j++) values[r * d + j] = matrix.values[source + j]!;
  }
  return { values, dim: d };
}

/** The first `trainFraction` of the rows for training, the rest for testing (disentanglement_lib utils.split_train_test: ceil). */
export function splitTrainTest(rows: number, trainFraction: number): { train: number; test: number } {
  const train = Math.ceil(rows * trainFraction);
  return { train, test: rows - train };
}

/**
 * The factors that vary, as a matrix of those columns, and which they are. Locatello et al. (2019) score the factors
 * that vary (dSprites' one colour is left out); disentanglement_lib's SAP and DCI fail on a factor of one value (sklearn
 * refuses a single class), and its MIG would divide by an entropy of 0. Here all three skip it alike.
 */
export function varyingColumns(matrix: Matrix): { matrix: { values: Float64Array; dim: number }; kept: number[] } {
  const n = rowCount(matrix);
  const d = matrix.dim;
  const kept: number[] = [];
  for (let j = 0; j < d; j++) {
    const first = matrix.values[j];
    for (let i = 1; i < n; i++)
      if (matrix.values[i * d + j] !== first) {
        kept.push(j);
        break;
      }
  }
  const values = new Float64Array(n * kept.length);
  for (let i = 0; i < n; i++) kept.forEach((j, k) => (values[i * kept.length + k] = matrix.values[i * d + j]!));
  return { matrix: { values, dim: Math.max(1, kept.length) }, kept };
}
