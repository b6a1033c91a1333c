/**
 * Runs a projection in a Web Worker (workers/projection.worker.ts, bundled by Vite as its own chunk), so the UI thread
 * only draws. Where a worker cannot start, the same generator runs on the UI thread in slices of ~30 ms.
 */
import type { Projection, ProjectionParams, ProjectionProgress } from './projection-params';

export type ProjectionMessage =
  | { type: 'progress'; progress: ProjectionProgress }
  | { type: 'done'; projection: Projection; seconds: number }
  | { type: 'failed'; error: string };

export interface ProjectionJob {
  result: Promise<{ projection: Projection; seconds: number; where: 'worker' | 'page' }>;
  cancel(): void;
}

export function startProjection(
  codes: Float32Array,
  count: number,
  dim: number,
  params: ProjectionParams,
  onProgress: (p: ProjectionProgress) => void,
): ProjectionJob {
  let worker: Worker | null = null;
  try {
    worker = new Worker(new URL('../workers/projection.worker.ts', import.meta.url), { type: 'module', name: 'projection' });
  } catch {
    worker = null;
  }
  if (!worker) return onPage(codes, count, dim, params, onProgress);
  const w = worker;
  let cancelled = false;
  let heard = false;
  let fallback: ProjectionJob | null = null;
  let reject: (e: Error) => void = () => undefined;
  const result = new Promise<{ projection: Projection; seconds: number; where: 'worker' | 'page' }>((resolve, rej) => {
    reject = rej;
    w.onmessage = (event: MessageEvent<ProjectionMessage>) => {
      heard = true;
      const m = event.data;
      if (m.type === 'progress') onProgress(m.progress);
      else {
        w.terminate();
        if (m.type === 'done') resolve({ projection: m.projection, seconds: m.seconds, where: 'worker' });
        else rej(new Error(m.error));
      }
    };
    w.onerror = (e) => {
      w.terminate();
      if (heard) {
        rej(new Error(`the projection worker failed: ${e.message || 'it stopped'}`));
        return;
      }
      // A worker that never started (a page whose origin may not start one): the same projection on the page.
      fallback = onPage(codes, count, dim, params, onProgress);
      fallback.result.then(resolve, rej);
    };
  });
  // A copy goes to the worker: the page keeps its codes for the next projection.
  const copy = codes.slice();
  w.postMessage({ codes: copy, count, dim, params }, [copy.buffer]);
  return {
    result,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      w.terminate();
      fallback?.cancel();
      reject(new Error('cancelled'));
    },
  };
}

function onPage(
  codes: Float32Array,
  count: number,
  dim: number,
  params: ProjectionParams,
  onProgress: (p: ProjectionProgress) => void,
): ProjectionJob {
  let cancelled = false;
  const started = performance.now();
  const result = new Promise<{ projection: Projection; seconds: number; where: 'worker' | 'page' }>((resolve, reject) => {
    let steps: Generator<ProjectionProgress, Projection, void> | null = null;
    const slice = () => {
      if (cancelled) return reject(new Error('cancelled'));
      try {
        if (!steps) throw new Error('the projection did not load');
        const until = performance.now() + 30;
        while (performance.now() < until) {
          const next = steps.next();
          if (next.done) {
            resolve({ projection: next.value, seconds: (performance.now() - started) / 1000, where: 'page' });
            return;
          }
          onProgress(next.value);
        }
        setTimeout(slice, 0);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    // The libraries load only now, in their own chunk.
    import('./projection').then(({ project }) => {
      steps = project(codes, count, dim, params);
      setTimeout(slice, 0);
    }, reject);
  });
  return {
    result,
    cancel() {
      cancelled = true;
    },
  };
}
