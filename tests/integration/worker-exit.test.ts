import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../src/families/run-config';
import { createStudio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { FromWorker, WorkerLauncher } from '../../src/core/training/protocol';
import { tempDir } from './helpers';

/** A process's state letter and CPU ticks (user + system) from /proc, or undefined once it is gone. */
function sample(pid: number): { state: string; ticks: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return { state: fields[0] ?? '', ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/**
 * Sleeps this thread (the studio's event loop) without spinning a core until the worker has nothing left to do:
 * it has ended (gone, or a zombie this sleeping thread has not reaped), or it has used no CPU for a second (it
 * waits for the studio to read its pipe). `capMs` bounds the wait.
 */
function blockUntilWorkerIdle(pid: number, capMs: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = performance.now() + capMs;
  let last = -1;
  let still = 0;
  while (performance.now() < until) {
    const now = sample(pid);
    if (!now || now.state === 'Z') return;
    still = now.ticks === last ? still + 1 : 0;
    if (still >= 20) return;
    last = now.ticks;
    Atomics.wait(cell, 0, 0, 50);
  }
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
            // The studio stalls once while the worker trains, posts its images and `done`, and leaves.
            if (m.type === 'started' && !blocked && worker.pid !== undefined) {
              blocked = true;
              blockUntilWorkerIdle(worker.pid, 60_000);
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

/** A small run of one epoch on 256 MNIST images. */
function smallRun() {
  const config = defaultRunConfig('vae');
  config.backend = 'wasm';
  config.model = { ...config.model, latentSize: 2 } as typeof config.model;
  config.dataset = { name: 'mnist', trainSubset: 256, testSubset: 256 };
  config.training = { ...config.training, epochs: 1, batchSize: 64, seed: 3 };
  return config;
}

describe('the moments around a run', () => {
  it('extended as it completes (its worker has sent `done` and not yet exited), it trains on and completes', async () => {
    const tmp = tempDir();
    const fork = forkLauncher();
    let exitHeld = true;
    let releaseExit = () => {};
    const launcher: WorkerLauncher = (options) => {
      const worker = fork(options);
      return {
        ...worker,
        pid: worker.pid,
        // The first worker's exit reaches the studio only when released: the window between `done` and `close`.
        onExit: (listener) =>
          worker.onExit((description, clean) => {
            if (!exitHeld) return listener(description, clean);
            releaseExit = () => listener(description, clean);
          }),
      };
    };
    const studio = createStudio({ dbPath: join(tmp.dir, 'studio.db'), launcher, transport: 'headless' });
    try {
      const completed = new Promise<number>((resolve) =>
        studio.events.on((e) => {
          if (e.name === 'run.status' && e.payload.status === 'completed') resolve(e.payload.runId);
        }),
      );
      const { runId } = await studio.api['runs.start']({ config: smallRun() });
      await completed;
      setTimeout(() => {
        exitHeld = false;
        releaseExit();
      }, 300);
      const resumed = await studio.api['runs.resume']({ runId, addEpochs: 1 });
      expect(resumed).toMatchObject({ fromEpoch: 1, epochs: 2 });
      await studio.orchestrator.whenEnded(runId);
      const run = await studio.api['runs.get']({ runId });
      expect(run.status, run.error ?? '').toBe('completed');
      expect(run.attempts.map((a) => a.status)).toEqual(['completed', 'completed']);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  }, 90_000);

  it('a run deleted under the studio that trains it (by another process on the database) does not end that studio', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const studio = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless' });
    const errors: string[] = [];
    const logged = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.map(String).join(' '));
    try {
      const started = new Promise<void>((resolve) =>
        studio.events.on((e) => {
          if (e.name === 'run.progress') resolve();
        }),
      );
      // Long enough for the timer's flushes (every 500 ms) of its batch losses.
      const config = smallRun();
      config.dataset = { name: 'mnist', trainSubset: 4096, testSubset: 256 };
      config.training = { ...config.training, epochs: 2 };
      const { runId } = await studio.api['runs.start']({ config });
      await started;
      const other = new Database(dbPath);
      other.pragma('foreign_keys = ON');
      other.prepare('DELETE FROM runs WHERE id = ?').run(runId);
      other.close();
      // Metrics arrive and are flushed on the studio's timer: they fail to be written, and it says so.
      await studio.orchestrator.whenEnded(runId);
      expect(errors.join('\n')).toMatch(/run \d+'s metrics failed: FOREIGN KEY/);
      expect(await studio.api['runs.list']({})).toEqual([]);
    } finally {
      console.error = logged;
      await studio.close();
      tmp.cleanup();
    }
  }, 90_000);
});
