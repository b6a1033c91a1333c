/**
 * The projection worker: projects a run's test codes off the UI thread and reports progress at most every 50 ms.
 * One request per worker; the page terminates it to cancel.
 */
import { project, type ProjectionParams } from '../lib/projection';
import type { ProjectionMessage } from '../lib/projection-client';

export interface ProjectionRequest {
  codes: Float32Array;
  count: number;
  dim: number;
  params: ProjectionParams;
}

const post = (message: ProjectionMessage, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

self.onmessage = (event: MessageEvent<ProjectionRequest>) => {
  const { codes, count, dim, params } = event.data;
  const started = performance.now();
  try {
    const steps = project(codes, count, dim, params);
    let reported = 0;
    for (;;) {
      const next = steps.next();
      if (next.done) {
        const p = next.value;
        post({ type: 'done', projection: p, seconds: (performance.now() - started) / 1000 }, [p.xy.buffer, p.indices.buffer]);
        return;
      }
      const now = performance.now();
      if (now - reported > 50 || next.value.done === next.value.total || next.value.done === 0) {
        reported = now;
        post({ type: 'progress', progress: next.value });
      }
    }
  } catch (e) {
    post({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
  }
};
