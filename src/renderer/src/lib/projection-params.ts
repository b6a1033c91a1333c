/**
 * The projector's parameters and small helpers, without the projection libraries: what the page needs to show the
 * form and read the codes, while the libraries load only in the projection worker (see projection.ts).
 */
import { createRng } from '../../../shared/random';

export type ProjectionMethod = 'pca' | 'umap' | 'tsne';
export const projectionMethods: { value: ProjectionMethod; label: string }[] = [
  { value: 'pca', label: 'PCA' },
  { value: 'umap', label: 'UMAP' },
  { value: 'tsne', label: 't-SNE' },
];

export interface ProjectionParams {
  method: ProjectionMethod;
  seed: number;
  /** UMAP: the size of the neighbourhood that shapes the manifold (local ↔ global structure). */
  umapNeighbors: number;
  /** UMAP: how tightly points may pack in the picture. */
  umapMinDist: number;
  umapEpochs: number;
  /** t-SNE: the effective number of neighbours of each point. */
  tsnePerplexity: number;
  tsneIterations: number;
  /** t-SNE is exact here (O(n²) time and memory): it runs on a seeded sample of at most this many points. */
  tsnePoints: number;
}

export const defaultProjectionParams: ProjectionParams = {
  method: 'pca',
  seed: 0,
  umapNeighbors: 15,
  umapMinDist: 0.1,
  umapEpochs: 200,
  tsnePerplexity: 30,
  tsneIterations: 500,
  tsnePoints: 2000,
};

/** Bounds of each parameter, for the form and for clamping what arrives from it. */
export const projectionLimits = {
  seed: { min: 0, max: 2 ** 31 - 1, step: 1 },
  umapNeighbors: { min: 2, max: 200, step: 1 },
  umapMinDist: { min: 0, max: 1, step: 0.05 },
  umapEpochs: { min: 5, max: 2000, step: 10 },
  tsnePerplexity: { min: 2, max: 100, step: 1 },
  tsneIterations: { min: 10, max: 5000, step: 50 },
  tsnePoints: { min: 50, max: 5000, step: 250 },
} satisfies Record<Exclude<keyof ProjectionParams, 'method'>, { min: number; max: number; step: number }>;

/** The form's names of the parameters, for its messages. */
const paramNames: Record<keyof typeof projectionLimits, string> = {
  seed: 'seed',
  umapNeighbors: 'neighbours',
  umapMinDist: 'min dist',
  umapEpochs: 'epochs',
  tsnePerplexity: 'perplexity',
  tsneIterations: 'iterations',
  tsnePoints: 'points',
};

/** The parameters of the chosen method that are out of their range: each named, with its range. */
export function paramIssues(p: ProjectionParams): { field: keyof typeof projectionLimits; message: string }[] {
  const used = (key: keyof typeof projectionLimits) =>
    key === 'seed'
      ? p.method !== 'pca'
      : key.startsWith('umap')
        ? p.method === 'umap'
        : key.startsWith('tsne') && p.method === 'tsne';
  return (Object.keys(projectionLimits) as (keyof typeof projectionLimits)[]).filter(used).flatMap((key) => {
    const { min, max, step } = projectionLimits[key];
    const v = p[key];
    const whole = step >= 1;
    if (Number.isFinite(v) && v >= min && v <= max && (!whole || Number.isInteger(v))) return [];
    const range = `${whole ? 'a whole number ' : ''}from ${min} to ${max}`;
    return [{ field: key, message: `${paramNames[key]}: ${Number.isFinite(v) ? v : 'empty'} is not ${range}` }];
  });
}

export function clampParams(p: ProjectionParams): ProjectionParams {
  const out = { ...p };
  for (const [key, { min, max, step }] of Object.entries(projectionLimits) as [
    keyof typeof projectionLimits,
    { min: number; max: number; step: number },
  ][]) {
    const v = Number.isFinite(out[key]) ? out[key] : defaultProjectionParams[key];
    const clamped = Math.min(max, Math.max(min, v));
    out[key] = step >= 1 ? Math.round(clamped) : clamped;
  }
  return out;
}

export interface ProjectionProgress {
  /** What is being computed: `neighbours`, `epochs`, `affinities`, `iterations`, `components`. */
  phase: string;
  done: number;
  total: number;
}

export interface Projection {
  method: ProjectionMethod;
  params: ProjectionParams;
  /** The test indices drawn, ascending (all of them, except for t-SNE on a sample). */
  indices: Uint32Array;
  /** x, y of each drawn point, in the order of `indices`. */
  xy: Float32Array;
  axes: [string, string];
  /** What the picture is of, when that needs saying (t-SNE on a sample). */
  note: string | null;
}

/** A seeded sample of `m` of `0..n-1`, ascending (all of them when m ≥ n). */
export function sampleIndices(n: number, m: number, seed: number): Uint32Array {
  if (m >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const random = createRng(seed ^ 0x5eed);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, m).sort();
}

/** Base64 of float32 little-endian values (the contract's `runs.latents` codes and factors). */
export function decodeFloat32(base64: string): Float32Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.byteLength >>> 2);
}
