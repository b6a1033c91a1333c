import type { BackendInfo, MetricPoint } from '../../shared/api';
import type { BackendPreference, RunConfig } from '../../shared/config';
import type { Db } from '../store/db';
import { insertArtifact } from '../store/artifacts';
import { deleteCheckpointRow, insertCheckpoint, listCheckpoints, type CheckpointRecord } from '../store/checkpoints';
import { metricAt } from '../store/metrics';
import { checkpointsToDrop } from './checkpoint-policy';
import { removeCheckpointFile } from './checkpoint-files';
import { writeMetrics } from '../store/metrics';
import {
  addWarning,
  claimNextQueued,
  finishRun,
  getRunStatus,
  insertRun,
  interruptStaleRuns,
  markRunning,
  studioStopped,
  supervisedHere,
  type ResumePoint,
  touchHeartbeats,
} from '../store/runs';
import { getSetting, setSetting } from '../store/settings';
import { availableParallelism } from 'node:os';
import type { EventHub } from '../events';
import type { DatasetLocations, FromWorker, ToWorker, WorkerHandle, WorkerLauncher } from './protocol';
import { configHash } from './config-hash';

interface ActiveRun {
  config: RunConfig;
  worker: WorkerHandle;
  pending: MetricPoint[];
  cancelled: boolean;
  /** Trains elsewhere (a Slurm task): outside this machine's limit, and left running when the studio stops. */
  remote: boolean;
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
  /** Start runs left queued by a studio that is gone (the host and the app do; a CLI `train` runs only its own). */
  adoptQueued?: boolean;
  /** Sets (and keeps in the database) how many workers may run at once. */
  maxConcurrent?: number;
  /** The machine's cores, for the default limit and each worker's share (tests pretend other machines). */
  cores?: number;
}

const limitSetting = 'scheduler.maxConcurrent';
export const autoResumeSetting = 'scheduler.autoResume';

/**
 * The default number of concurrent workers: one per core up to four. Each worker's backend then gets
 * cores / limit threads, so workers never ask for more threads than the machine has. Small runs gain
 * little from a second wasm thread (much of a step is single-threaded), so two runs side by side on two
 * cores train nearly twice as many samples per second as one run with both (npm run bench measures it).
 */
export function defaultMaxConcurrent(cores: number): number {
  return Math.max(1, Math.min(cores, 4));
}

/**
 * The scheduler and supervisor of training jobs: runs wait in the database as `queued` (so a queue
 * survives a restart), start first in, first out while fewer than the limit run, each worker with its
 * share of the cores; the only writer of run state to the store.
 */
export class Orchestrator {
  readonly #active = new Map<number, ActiveRun>();
  readonly #ended = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  readonly #timer: NodeJS.Timeout;
  readonly #flushTimer: NodeJS.Timeout;
  readonly #staleAfterMs: number;
  /** Long-lived workers of sessions (the explorer's), killed when the studio shuts down. */
  readonly #sessions = new Set<WorkerHandle>();
  readonly #cores: number;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly launch: WorkerLauncher,
    private readonly events: EventHub,
    private readonly options: OrchestratorOptions,
  ) {
    const heartbeatMs = options.heartbeatMs ?? 2000;
    this.#staleAfterMs = options.staleAfterMs ?? 15000;
    this.#cores = options.cores ?? availableParallelism();
    if (options.maxConcurrent !== undefined) this.maxConcurrent = options.maxConcurrent;
    this.sweepOrphans();
    this.#timer = setInterval(() => this.beat(), heartbeatMs);
    this.#flushTimer = setInterval(() => this.flushAll(), options.metricsFlushMs ?? 500);
    this.#timer.unref();
    this.#flushTimer.unref();
    // Runs queued before a restart start again by themselves.
    this.schedule();
  }

  /** How many workers may train at once: the stored setting, else the default for this machine's cores. */
  get maxConcurrent(): number {
    return getSetting<number>(this.db, limitSetting) ?? defaultMaxConcurrent(this.#cores);
  }

  set maxConcurrent(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`maxConcurrent: ${n} is not a whole number of at least 1`);
    setSetting(this.db, limitSetting, n);
    this.schedule();
  }

  get cores(): number {
    return this.#cores;
  }

  /** Threads each worker's backend may use: its share of the cores under the limit. */
  get threadsPerWorker(): number {
    return Math.max(1, Math.floor(this.#cores / this.maxConcurrent));
  }

  /** Marks runs left 'running' by a dead studio as interrupted. */
  sweepOrphans(): number[] {
    const ids = interruptStaleRuns(this.db, this.#staleAfterMs, [...this.#active.keys()]);
    for (const runId of ids)
      this.events.emit('run.status', { runId, status: 'interrupted', error: 'studio stopped', backend: null });
    return ids;
  }

  private beat(): void {
    touchHeartbeats(this.db);
    this.sweepOrphans();
    this.schedule();
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

  /** Runs with a worker now. */
  get activeRunIds(): number[] {
    return [...this.#active.keys()];
  }

  private deferredEnd(runId: number): Promise<void> {
    let entry = this.#ended.get(runId);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      entry = { promise, resolve };
      this.#ended.set(runId, entry);
    }
    return entry.promise;
  }

  private settle(runId: number): void {
    this.#ended.get(runId)?.resolve();
    this.#ended.delete(runId);
  }

  /** Settles when the run is over and its final status is stored (a queued run waits for its turn first). */
  whenEnded(runId: number): Promise<void> {
    if (this.#active.has(runId) || (getRunStatus(this.db, runId) === 'queued' && supervisedHere(this.db, runId))) {
      return this.deferredEnd(runId);
    }
    return Promise.resolve();
  }

  workerPid(runId: number): number | undefined {
    return this.#active.get(runId)?.worker.pid;
  }

  /** Queues a run; it starts when a worker slot is free. */
  start(config: RunConfig): number {
    const runId = insertRun(this.db, config, configHash(config));
    this.events.emit('run.status', { runId, status: 'queued', error: null, backend: null });
    this.schedule();
    return runId;
  }

  /** Starts queued runs, oldest first, while fewer than the limit train. */
  schedule(): void {
    if (this.#closed) return;
    while ([...this.#active.values()].filter((r) => !r.remote).length < this.maxConcurrent) {
      const next = claimNextQueued(this.db, {
        adopt: this.options.adoptQueued ?? true,
        staleAfterMs: this.#staleAfterMs,
        exclude: [...this.#active.keys()],
      });
      if (!next) return;
      this.launchRun(next.id, next.config, next.configHash, next.resumeFrom);
    }
  }

  private launchRun(runId: number, config: RunConfig, hash: string, resume: ResumePoint | null): void {
    this.attach(runId, config, hash, resume, this.launch({ threads: this.threadsPerWorker }), false);
  }

  /**
   * Follows a run that trains elsewhere through a handle that speaks the worker protocol (a Slurm task's event
   * log): its messages are stored as a local worker's are, and its end settles it the same way.
   */
  attachRemote(runId: number, config: RunConfig, hash: string, worker: WorkerHandle): void {
    this.attach(runId, config, hash, null, worker, true);
  }

  /** Writes a run's buffered metrics now (before its ingested position is recorded). */
  flushRun(runId: number): void {
    const run = this.#active.get(runId);
    if (run) this.flush(runId, run);
  }

  private attach(
    runId: number,
    config: RunConfig,
    hash: string,
    resume: ResumePoint | null,
    worker: WorkerHandle,
    remote: boolean,
  ): void {
    const run: ActiveRun = { config, worker, pending: [], cancelled: false, remote };
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
      this.settle(runId);
      this.schedule();
    });
    worker.send({
      type: 'train',
      runId,
      config,
      configHash: hash,
      checkpointDir: this.options.checkpointDir,
      studioVersion: this.options.studioVersion,
      datasets: this.options.datasets,
      resume,
    });
  }

  /** Stores a new checkpoint, then drops those the run's policy no longer keeps (rows, then files). */
  private recordCheckpoint(runId: number, run: ActiveRun, checkpoint: CheckpointRecord, config: RunConfig): void {
    insertCheckpoint(this.db, runId, checkpoint);
    const policy = config.training.checkpoints;
    const best = policy?.keepBest;
    if (best) this.flush(runId, run);
    const drop = checkpointsToDrop(listCheckpoints(this.db, runId), policy, (step) =>
      best ? metricAt(this.db, runId, 'test', best.metric, step) : undefined,
    );
    for (const c of drop) {
      deleteCheckpointRow(this.db, c.id);
      removeCheckpointFile(this.options.checkpointDir, c.path);
    }
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
        this.recordCheckpoint(runId, run, m.checkpoint, run.config);
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
      case 'exported':
      case 'evaluated':
      case 'latents':
      case 'explorerReady':
      case 'decoded':
      case 'encoded':
      case 'callFailed':
      case 'priorEpoch':
      case 'priorTrained':
      case 'sampled':
        return;
    }
  }

  /**
   * Cancelling kills the worker: its memory (GPU memory too) goes with the process. A run still waiting
   * in this studio's queue is cancelled at once. False when the run is neither.
   */
  cancel(runId: number): boolean {
    const run = this.#active.get(runId);
    if (run) {
      run.cancelled = true;
      run.worker.kill();
      return true;
    }
    if (!supervisedHere(this.db, runId) || !finishRun(this.db, runId, 'cancelled', 'cancelled by the user before it started')) {
      return false;
    }
    this.events.emit('run.status', {
      runId,
      status: 'cancelled',
      error: 'cancelled by the user before it started',
      backend: null,
    });
    this.settle(runId);
    return true;
  }

  /**
   * Runs one request in a short-lived worker and settles with its answer (job kinds besides training:
   * export and evaluations now; explorer sessions next). A worker that dies answers with how it died; `signal`
   * kills the worker (its job is abandoned, e.g. when the studio closes); `progress` hears the job's other
   * messages before its answer (a learned prior's epochs).
   */
  request<T extends FromWorker['type']>(
    message: ToWorker,
    answer: T,
    signal?: AbortSignal,
    progress?: (m: FromWorker) => void,
  ): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('abandoned before it started'));
      const worker = this.launch({ threads: this.threadsPerWorker });
      const kill = () => worker.kill();
      signal?.addEventListener('abort', kill, { once: true });
      let settled = false;
      worker.onMessage((m) => {
        if (m.type === answer) {
          settled = true;
          resolve(m as Extract<FromWorker, { type: T }>);
        } else if (m.type === 'failed') {
          settled = true;
          reject(new Error(m.error));
        } else if (!settled) progress?.(m);
      });
      worker.onExit((description) => {
        signal?.removeEventListener('abort', kill);
        if (!settled) reject(new Error(description));
      });
      worker.send(message);
    });
  }

  /**
   * Starts a long-lived worker for a session and sends it its first message (an explorer's `explore`): like
   * `request`'s workers it runs beside the training runs, outside the scheduler's limit. The caller speaks to it
   * through the handle and ends it with `kill` (or a message it obeys); the studio's shutdown kills it.
   */
  session(message: ToWorker): WorkerHandle {
    if (this.#closed) throw new Error('the studio is shutting down');
    const worker = this.launch({ threads: this.threadsPerWorker });
    this.#sessions.add(worker);
    worker.onExit(() => this.#sessions.delete(worker));
    worker.send(message);
    return worker;
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
  async shutdown(reason = `${studioStopped}: it was shut down during the run`): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#flushTimer);
    for (const worker of this.#sessions) worker.kill();
    this.#sessions.clear();
    const waits = [...this.#active.entries()].map(([runId, run]) => {
      this.flush(runId, run);
      if (run.remote) {
        // It goes on training on the cluster; the next studio on this database follows it again.
        run.worker.detach?.();
        this.#active.delete(runId);
        this.settle(runId);
        return Promise.resolve();
      }
      finishRun(this.db, runId, 'interrupted', reason);
      run.worker.kill();
      return this.deferredEnd(runId);
    });
    await Promise.all(waits);
    // Runs still waiting stay queued: the next studio on this database starts them.
    for (const [, entry] of this.#ended) entry.resolve();
    this.#ended.clear();
  }

  status(runId: number) {
    return getRunStatus(this.db, runId);
  }
}
