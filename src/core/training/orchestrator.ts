import type { BackendInfo, MetricPoint } from '../../shared/api';
import type { BackendPreference, RunConfig } from '../../shared/config';
import type { Db } from '../store/db';
import { insertArtifact } from '../store/artifacts';
import { insertCheckpoint } from '../store/checkpoints';
import { writeMetrics } from '../store/metrics';
import { addWarning, finishRun, getRunStatus, insertRun, interruptStaleRuns, markRunning, touchHeartbeat } from '../store/runs';
import type { EventHub } from '../events';
import type { DatasetLocations, FromWorker, WorkerHandle, WorkerLauncher } from './protocol';
import { configHash } from './config-hash';

interface ActiveRun {
  worker: WorkerHandle;
  pending: MetricPoint[];
  cancelled: boolean;
  ended: Promise<void>;
}

export interface OrchestratorOptions {
  checkpointDir: string;
  studioVersion: string;
  datasets: DatasetLocations;
  /** How often the supervisor writes heartbeats and sweeps orphaned runs. */
  heartbeatMs?: number;
  /** A running run whose heartbeat is older than this was orphaned by a crash. */
  staleAfterMs?: number;
  metricsFlushMs?: number;
}

/** Starts, watches and stops training workers; the only writer of run state to the store. */
export class Orchestrator {
  readonly #active = new Map<number, ActiveRun>();
  readonly #timer: NodeJS.Timeout;
  readonly #flushTimer: NodeJS.Timeout;
  readonly #staleAfterMs: number;

  constructor(
    private readonly db: Db,
    private readonly launch: WorkerLauncher,
    private readonly events: EventHub,
    private readonly options: OrchestratorOptions,
  ) {
    const heartbeatMs = options.heartbeatMs ?? 2000;
    this.#staleAfterMs = options.staleAfterMs ?? 15000;
    this.sweepOrphans();
    this.#timer = setInterval(() => this.beat(), heartbeatMs);
    this.#flushTimer = setInterval(() => this.flushAll(), options.metricsFlushMs ?? 500);
    this.#timer.unref();
    this.#flushTimer.unref();
  }

  /** Marks runs left 'running' by a dead studio as interrupted. */
  sweepOrphans(): number[] {
    const ids = interruptStaleRuns(this.db, this.#staleAfterMs, [...this.#active.keys()]);
    for (const runId of ids)
      this.events.emit('run.status', { runId, status: 'interrupted', error: 'studio stopped', backend: null });
    return ids;
  }

  private beat(): void {
    for (const runId of this.#active.keys()) touchHeartbeat(this.db, runId);
    this.sweepOrphans();
  }

  private flush(runId: number, run: ActiveRun): void {
    if (run.pending.length === 0) return;
    const points = run.pending;
    run.pending = [];
    writeMetrics(this.db, runId, points);
    this.events.emit('run.metrics', { runId, points });
  }

  private flushAll(): void {
    for (const [runId, run] of this.#active) this.flush(runId, run);
  }

  get activeRunIds(): number[] {
    return [...this.#active.keys()];
  }

  /** The promise settles when the run's worker is gone and its final status is stored. */
  whenEnded(runId: number): Promise<void> {
    return this.#active.get(runId)?.ended ?? Promise.resolve();
  }

  workerPid(runId: number): number | undefined {
    return this.#active.get(runId)?.worker.pid;
  }

  start(config: RunConfig): number {
    const hash = configHash(config);
    const runId = insertRun(this.db, config, hash);
    const worker = this.launch();
    let resolveEnded!: () => void;
    const run: ActiveRun = { worker, pending: [], cancelled: false, ended: new Promise((r) => (resolveEnded = r)) };
    this.#active.set(runId, run);
    const end = (status: 'completed' | 'failed' | 'cancelled' | 'interrupted', error: string | null) => {
      this.flush(runId, run);
      if (finishRun(this.db, runId, status, error)) this.events.emit('run.status', { runId, status, error, backend: null });
    };
    worker.onMessage((m: FromWorker) => {
      try {
        this.handle(runId, run, m, end);
      } catch (e) {
        console.error(`run ${runId}: failed to record a worker message (${m.type}):`, e);
      }
    });
    worker.onExit((description) => {
      if (run.cancelled) end('cancelled', 'cancelled by the user');
      else end('interrupted', description);
      this.#active.delete(runId);
      resolveEnded();
    });
    worker.send({
      type: 'train',
      runId,
      config,
      configHash: hash,
      checkpointDir: this.options.checkpointDir,
      studioVersion: this.options.studioVersion,
      datasets: this.options.datasets,
    });
    this.events.emit('run.status', { runId, status: 'queued', error: null, backend: null });
    return runId;
  }

  private handle(runId: number, run: ActiveRun, m: FromWorker, end: (s: 'completed' | 'failed', e: string | null) => void): void {
    switch (m.type) {
      case 'started':
        markRunning(this.db, runId, m.environment);
        this.events.emit('run.status', { runId, status: 'running', error: null, backend: m.environment.backend.name });
        return;
      case 'progress':
        this.events.emit('run.progress', m.progress);
        return;
      case 'metrics':
        for (const point of m.points) run.pending.push(point);
        return;
      case 'artifact':
        this.flush(runId, run);
        this.events.emit('run.artifact', insertArtifact(this.db, runId, m.artifact));
        return;
      case 'checkpoint':
        insertCheckpoint(this.db, runId, m.checkpoint);
        return;
      case 'warning':
        addWarning(this.db, runId, m.message);
        this.events.emit('run.warning', { runId, message: m.message });
        return;
      case 'done':
        end('completed', null);
        return;
      case 'failed':
        end('failed', m.error);
        return;
      case 'probed':
      case 'probeFailed':
        return;
    }
  }

  /** Cancelling kills the worker: its memory (GPU memory too) goes with the process. */
  cancel(runId: number): void {
    const run = this.#active.get(runId);
    if (!run) return;
    run.cancelled = true;
    run.worker.kill();
  }

  /** Asks a short-lived worker which backend it would load. */
  probeBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
    return new Promise((resolve, reject) => {
      const worker = this.launch();
      let settled = false;
      worker.onMessage((m) => {
        if (m.type === 'probed') {
          settled = true;
          resolve(m.backend);
        } else if (m.type === 'probeFailed') {
          settled = true;
          reject(new Error(m.error));
        }
      });
      worker.onExit((description) => {
        if (!settled) reject(new Error(description));
      });
      worker.send({ type: 'probe', preference });
    });
  }

  /** Stops every worker; their runs end as interrupted with the reason. */
  async shutdown(reason = 'the studio was shut down during the run'): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#flushTimer);
    const waits = [...this.#active.entries()].map(([runId, run]) => {
      this.flush(runId, run);
      finishRun(this.db, runId, 'interrupted', reason);
      run.worker.kill();
      return run.ended;
    });
    await Promise.all(waits);
  }

  status(runId: number) {
    return getRunStatus(this.db, runId);
  }
}
