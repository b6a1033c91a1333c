/**
 * Projections of a run's test codes to two dimensions, as pure functions of arrays: PCA (ml-pca), UMAP (umap-js,
 * PAIR's port of McInnes et al. 2018) and t-SNE (druidjs, van der Maaten & Hinton 2008). Each is a generator that
 * yields its progress (UMAP's epochs, t-SNE's iterations) and returns the 2-D coordinates, so the projection worker
 * can report progress between steps. Every random draw comes from the seed: the same codes, method, parameters and
 * seed give the same picture.
 */
import { createRng } from '../../../shared/random';
import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import { Matrix, TSNE, setWasmEnabled } from '@saehrimnir/druidjs';
import { clampParams, sampleIndices, type Projection, type ProjectionParams, type ProjectionProgress } from './projection-params';

export * from './projection-params';

// druidjs's WASM kernels need 'wasm-unsafe-eval', which the studio's content security policy does not grant; its
// JavaScript paths give the same t-SNE (bit for bit, its authors say) without trying.
setWasmEnabled(false);

function rowsOf(codes: Float32Array, dim: number, indices: Uint32Array): number[][] {
  return Array.from(indices, (i) => Array.from(codes.subarray(i * dim, (i + 1) * dim)));
}

function pca(codes: Float32Array, dim: number, indices: Uint32Array): { xy: Float32Array; axes: [string, string] } {
  const n = indices.length;
  const xy = new Float32Array(2 * n);
  if (n < 2) return { xy, axes: ['PC1', 'PC2'] };
  const rows = rowsOf(codes, dim, indices);
  const model = new PCA(rows, { method: 'covarianceMatrix', center: true });
  const k = Math.min(2, dim);
  const projected = model.predict(rows, { nComponents: k });
  const explained = model.getExplainedVariance();
  // An eigenvector's sign is arbitrary: make each component's largest loading positive, so the picture is stable.
  const vectors = model.getEigenvectors();
  for (let c = 0; c < k; c++) {
    let largest = 0;
    for (let r = 0; r < dim; r++) if (Math.abs(vectors.get(r, c)) > Math.abs(largest)) largest = vectors.get(r, c);
    const sign = largest < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) xy[2 * i + c] = sign * projected.get(i, c);
  }
  const pct = (c: number) =>
    explained[c] !== undefined && Number.isFinite(explained[c]) ? ` (${(100 * explained[c]).toFixed(1)}%)` : '';
  return { xy, axes: [`PC1${pct(0)}`, `PC2${pct(1)}`] };
}

/** Projects the codes (count × dim, row-major) with the chosen method, yielding progress; returns the picture. */
export function* project(
  codes: Float32Array,
  count: number,
  dim: number,
  requested: ProjectionParams,
): Generator<ProjectionProgress, Projection, void> {
  const params = clampParams(requested);
  const all = Uint32Array.from({ length: count }, (_, i) => i);
  // A code of two dimensions is its own picture: PCA would only rotate it (the run page draws z1 against z2 too).
  if (dim === 2 && params.method === 'pca') {
    yield { phase: 'components', done: 0, total: 1 };
    return {
      method: 'pca',
      params,
      indices: all,
      xy: Float32Array.from(codes.subarray(0, 2 * count)),
      axes: ['z1', 'z2'],
      note: 'a 2-D code, on its own axes',
    };
  }
  if (params.method === 'pca' || count < 4) {
    yield { phase: 'components', done: 0, total: 1 };
    const { xy, axes } = pca(codes, dim, all);
    return {
      method: params.method,
      params,
      indices: all,
      xy,
      axes,
      note: params.method === 'pca' ? null : 'too few points: PCA',
    };
  }
  if (params.method === 'umap') {
    const umap = new UMAP({
      nComponents: 2,
      nNeighbors: Math.min(params.umapNeighbors, count - 1),
      minDist: params.umapMinDist,
      nEpochs: params.umapEpochs,
      random: createRng(params.seed),
    });
    yield { phase: 'neighbours', done: 0, total: params.umapEpochs };
    const epochs = umap.initializeFit(rowsOf(codes, dim, all));
    for (let e = 0; e < epochs; e++) {
      umap.step();
      yield { phase: 'epochs', done: e + 1, total: epochs };
    }
    const embedding = umap.getEmbedding();
    const xy = new Float32Array(2 * count);
    embedding.forEach((p, i) => {
      xy[2 * i] = p[0] ?? 0;
      xy[2 * i + 1] = p[1] ?? 0;
    });
    return { method: 'umap', params, indices: all, xy, axes: ['UMAP 1', 'UMAP 2'], note: null };
  }
  const indices = sampleIndices(count, params.tsnePoints, params.seed);
  const n = indices.length;
  yield { phase: 'affinities', done: 0, total: params.tsneIterations };
  const tsne = new TSNE(Matrix.from(rowsOf(codes, dim, indices)), {
    perplexity: Math.min(params.tsnePerplexity, Math.max(1, (n - 1) / 3)),
    d: 2,
    seed: params.seed,
  });
  tsne.init();
  let done = 0;
  let last: Matrix | undefined;
  for (const y of tsne.generator(params.tsneIterations)) {
    last = y;
    done++;
    yield { phase: 'iterations', done, total: params.tsneIterations };
  }
  const solution = last ?? tsne.projection;
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = solution.entry(i, 0);
    xy[2 * i + 1] = solution.entry(i, 1);
  }
  const note =
    n < count
      ? `a seeded sample of ${n.toLocaleString('en')} of ${count.toLocaleString('en')} points (exact t-SNE costs O(n²))`
      : null;
  return { method: 'tsne', params, indices, xy, axes: ['t-SNE 1', 't-SNE 2'], note };
}
