import { join } from 'node:path';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/shared/config';
import { createStudio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { FromWorker, WorkerLauncher } from '../../src/core/training/protocol';
import { tempDir } from './helpers';

/** Sleeps this thread (the studio's event loop) without spinning a core. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('a worker that ends while the studio is busy', () => {
  // A loaded studio reads its workers' pipes late. A worker that left 50 ms after its last send dropped what
  // was still queued in its process (the last images and `done`), and a finished run was stored "interrupted".
  it('delivers every message, `done` last, before its exit is reported: the run ends completed', async () => {
    const tmp = tempDir();
    const fork = forkLauncher();
    const seen: { type: FromWorker['type']; bytes: number }[] = [];
    let exitedAfter = -1;
    const launcher: WorkerLauncher = (options) => {
      const worker = fork(options);
      let blocked = false;
      return {
        ...worker,
        pid: worker.pid,
        onMessage: (listener) =>
          worker.onMessage((m) => {
            seen.push({ type: m.type, bytes: serialize(m).length });
            // The studio stalls once while the worker trains, images and all, and leaves.
            if (m.type === 'started' && !blocked) {
              blocked = true;
              block(12_000);
            }
            listener(m);
          }),
        onExit: (listener) =>
          worker.onExit((description, clean) => {
            exitedAfter = seen.length;
            listener(description, clean);
          }),
      };
    };
    const studio = createStudio({ dbPath: join(tmp.dir, 'studio.db'), launcher, transport: 'headless' });
    try {
      const config = defaultRunConfig('vae');
      config.backend = 'wasm';
      config.model = { ...config.model, latentSize: 2 } as typeof config.model;
      config.dataset = { name: 'mnist', trainSubset: 256, testSubset: 256 };
      config.training = { ...config.training, epochs: 1, batchSize: 64, seed: 3 };
      const { runId } = await studio.api['runs.start']({ config });
      await studio.orchestrator.whenEnded(runId);
      const run = await studio.api['runs.get']({ runId });
      const artifacts = seen.filter((m) => m.type === 'artifact');
      const queuedBytes = artifacts.reduce((s, m) => s + m.bytes, 0);
      console.log(
        `messages: ${seen.length}, artifacts: ${artifacts.length} (${queuedBytes} bytes as sent); exit after ${exitedAfter}`,
      );
      expect(run.status, run.error ?? '').toBe('completed');
      expect(seen.at(-1)?.type).toBe('done');
      expect(exitedAfter).toBe(seen.length);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  }, 90_000);
});
