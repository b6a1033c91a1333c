import type { RunConfig } from '../../shared/config';
import type { Db } from '../store/db';
import { writeMetrics } from '../store/metrics';
import { finishRun, getRunStatus, insertRun, interruptStaleRuns, studioStopped, type ResumePoint } from '../store/runs';
import { claimTrainJob, trainJobHeldHere } from '../store/train-jobs';
import { getSetting, setSetting } from '../store/settings';
import { claimJob, getJob, queuedWork, requeueStaleJobs, touchJobHeartbeats } from '../store/jobs';
import type { JobKindHandler } from '../jobs/job-kind';
import { JobRunner } from '../jobs/job-runner';
import { LightWork } from '../jobs/light-work';
import { Endings } from '../jobs/endings';
import { availableParallelism } from 'node:os';
import type { EventHub } from '../events';
import type { DatasetLocations, FromWorker, WorkerHandle, WorkerLauncher } from './protocol';
import { configHash } from './config-hash';
import { RungWatch, type RungJudge } from './rung-watch';
import { handleRunMessage, type ActiveRun } from './run-messages';

/**
 * A timer's work, whose error is logged and not thrown: thrown from a timer it would end the studio (a run deleted
 * by another studio on the same database, SQLite busy beyond its timeout); the next tick tries again.
 */
function guarded(what: string, work: () => void): void {
  try {
    work();
  } catch (e) {
    console.error(`latent-studio: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
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
const pausedSetting = 'scheduler.paused';
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
 * The one scheduler of the studio's work, and the supervisor of training runs. Every kind of work is a job of one
 * table (training, evaluations, priors) that waits in the database as `queued`, so a queue survives a restart, and
 * starts first asked, first started while fewer than the limit hold a slot, each worker with its share of the cores.
 * Light work (exports, samples, explorer sessions: `light`) is counted beside the limit. The only writer of run and
 * job state to the store.
 */
export class Orchestrator {
  readonly #active = new Map<number, ActiveRun>();
  readonly #ended = new Endings();
  /** Evaluations and priors with a worker here. */
  readonly jobs: JobRunner;
  /** One-shot requests and explorer sessions: counted beside the limit, killed at shutdown. */
  readonly light: LightWork;
  readonly #timer: NodeJS.Timeout;
  readonly #flushTimer: NodeJS.Timeout;
  readonly #staleAfterMs: number;
  readonly #cores: number;
  #closed = false;
  #rungJudge: RungJudge | null = null;

  constructor(
    private readonly db: Db,
    private readonly launch: WorkerLauncher,
    private readonly events: EventHub,
    private readonly options: OrchestratorOptions,
  ) {
    const heartbeatMs = options.heartbeatMs ?? 2000;
    this.#staleAfterMs = options.staleAfterMs ?? 15000;
    this.#cores = options.cores ?? availableParallelism();
    this.light = new LightWork(
      launch,
      () => this.threadsPerWorker,
      () => this.countsChanged(),
    );
    this.jobs = new JobRunner(
      db,
      launch,
      () => this.threadsPerWorker,
      () => {
        this.countsChanged();
        this.schedule();
      },
    );
    if (options.maxConcurrent !== undefined) this.maxConcurrent = options.maxConcurrent;
    this.sweepOrphans();
    this.#timer = setInterval(() => guarded('the heartbeat', () => this.beat()), heartbeatMs);
    this.#flushTimer = setInterval(() => this.flushAll(), options.metricsFlushMs ?? 500);
    this.#timer.unref();
    this.#flushTimer.unref();
    // Work queued before a restart (and jobs left running by a studio that is gone) starts again by itself, once the
    // studio being built has registered its kinds of job.
    queueMicrotask(() => this.schedule());
  }

  /** Lets Hyperband judge the runs of adaptive sweeps at their rungs (set once, by the studio). */
  setRungJudge(judge: RungJudge): void {
    this.#rungJudge = judge;
  }

  /** Adds a kind of job the scheduler runs (register every kind before the studio is handed out). */
  registerJobKind(handler: JobKindHandler): void {
    this.jobs.register(handler);
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

  /** Whether the queue is held: the app and the host start nothing queued until it is released (kept in the database). */
  get paused(): boolean {
    return getSetting<boolean>(this.db, pausedSetting) ?? false;
  }

  set paused(held: boolean) {
    setSetting(this.db, pausedSetting, held);
    this.schedule();
  }

  /** How long a studio may be silent before its work is taken for orphaned. */
  get staleAfterMs(): number {
    return this.#staleAfterMs;
  }

  get cores(): number {
    return this.#cores;
  }

  /** Threads each worker's backend may use: its share of the cores under the limit. */
  get threadsPerWorker(): number {
    return Math.max(1, Math.floor(this.#cores / this.maxConcurrent));
  }

  /** Marks runs left training by a dead studio as interrupted, and queues again the other jobs it left running. */
  sweepOrphans(): number[] {
    const ids = interruptStaleRuns(this.db, this.#staleAfterMs, [...this.#active.keys()]);
    for (const runId of ids)
      this.events.emit('run.status', { runId, status: 'interrupted', error: 'studio stopped', backend: null });
    for (const job of requeueStaleJobs(this.db, this.#staleAfterMs, this.jobs.ids)) this.jobs.announce(job, 'queued', null);
    return ids;
  }

  private beat(): void {
    touchJobHeartbeats(this.db);
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
    for (const [runId, run] of this.#active) guarded(`run ${runId}'s metrics`, () => this.flush(runId, run));
  }

  /** Runs with a worker now. */
  get activeRunIds(): number[] {
    return [...this.#active.keys()];
  }

  /** Settles when the run is over and its final status is stored (a queued run waits for its turn first). */
  whenEnded(runId: number): Promise<void> {
    if (this.#active.has(runId) || (getRunStatus(this.db, runId) === 'queued' && trainJobHeldHere(this.db, runId))) {
      return this.#ended.wait(runId);
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

  /** Local training runs with a worker here (a Slurm run's is the cluster's). */
  get trainingSlots(): number {
    return [...this.#active.values()].filter((r) => !r.remote).length;
  }

  /** A worker ended (or a light one started): the scheduler's counts moved apart from any run's or job's event. */
  private countsChanged(): void {
    if (!this.#closed) this.events.emit('scheduler.changed', {});
  }

  /** Starts queued work of every kind, first asked first, while fewer than the limit hold a slot. */
  schedule(): void {
    // A held queue holds the studios that run it (the app, the host); a CLI command still runs what it was asked for.
    if (this.#closed || (this.paused && (this.options.adoptQueued ?? true))) return;
    let free = this.maxConcurrent - this.trainingSlots - this.jobs.ids.length;
    if (free <= 0) return;
    const claim = { adopt: this.options.adoptQueued ?? true, staleAfterMs: this.#staleAfterMs };
    for (const work of queuedWork(this.db)) {
      if (free <= 0) return;
      if (work.kind === 'train') {
        if (this.#active.has(work.runId)) continue;
        const run = claimTrainJob(this.db, work.id, claim);
        if (!run) continue;
        this.launchRun(run.runId, JSON.parse(run.configJson) as RunConfig, run.configHash, run.resumeFrom);
      } else {
        if (!this.jobs.runs(work.kind) || this.jobs.ids.includes(work.id)) continue;
        const job = claimJob(this.db, work.id, claim);
        if (!job) continue;
        this.jobs.launch(job);
      }
      free--;
    }
  }

  private launchRun(runId: number, config: RunConfig, hash: string, resume: ResumePoint | null): void {
    let worker: WorkerHandle;
    try {
      worker = this.launch({ threads: this.threadsPerWorker });
    } catch (e) {
      // No worker could start (a missing executable, no memory): the run fails with why, the studio goes on.
      const error = `no worker could start: ${e instanceof Error ? e.message : String(e)}`;
      if (finishRun(this.db, runId, 'failed', error))
        this.events.emit('run.status', { runId, status: 'failed', error, backend: null });
      this.#ended.settle(runId);
      return;
    }
    this.attach(runId, config, hash, resume, worker, false);
  }

  /**
   * Follows a run that trains elsewhere through a handle that speaks the worker protocol (a Slurm task's event
   * log): its messages are stored as a local worker's are, and its end settles it the same way.
   */
  attachRemote(runId: number, config: RunConfig, hash: string, worker: WorkerHandle): void {
    this.attach(runId, config, hash, null, worker, true);
  }

  /**
   * Drops a run followed elsewhere (a Slurm task) without ending it: its messages since its last stored position
   * were not stored, so what they did here goes too, and the run is followed again from the database.
   */
  forgetRemote(runId: number): void {
    const run = this.#active.get(runId);
    if (!run?.remote) return;
    run.worker.detach?.();
    this.#active.delete(runId);
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
    const rungs = new RungWatch(runId, this.#rungJudge?.plan(runId, config) ?? null, this.#rungJudge);
    const run: ActiveRun = { config, worker, pending: [], cancelled: false, remote, rungs };
    this.#active.set(runId, run);
    // An attempt ends once: after `done`, its process's exit is no news (and by then the run may be queued again).
    let ended = false;
    const end = (status: 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'stopped', error: string | null) => {
      this.flush(runId, run);
      if (ended) return;
      ended = true;
      if (finishRun(this.db, runId, status, error)) this.events.emit('run.status', { runId, status, error, backend: null });
    };
    worker.onMessage((m: FromWorker) => {
      try {
        handleRunMessage(
          { db: this.db, events: this.events, checkpointDir: this.options.checkpointDir, flush: () => this.flush(runId, run) },
          runId,
          run,
          m,
          end,
        );
      } catch (e) {
        // A Slurm task's message is read from its log in a transaction: failing, it is read again (see ingestTask).
        if (remote) throw e;
        console.error(`run ${runId}: failed to record a worker message (${m.type}):`, e);
      }
    });
    worker.onExit((description) => {
      if (run.cancelled) end('cancelled', 'cancelled by the user');
      else if (run.rungs.stopReason) end('stopped', run.rungs.stopReason);
      else end('interrupted', description);
      if (this.#active.get(runId) === run) this.#active.delete(runId);
      this.#ended.settle(runId);
      this.countsChanged();
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
      ...(rungs.plan && !remote ? { rungs: rungs.plan.epochs } : {}),
    });
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
    if (!trainJobHeldHere(this.db, runId) || !finishRun(this.db, runId, 'cancelled', 'cancelled by the user before it started')) {
      return false;
    }
    this.events.emit('run.status', {
      runId,
      status: 'cancelled',
      error: 'cancelled by the user before it started',
      backend: null,
    });
    this.#ended.settle(runId);
    return true;
  }

  /** A cancel whose kill failed (scancel refused): the run goes on, and ends as it will, not as cancelled. */
  uncancel(runId: number): void {
    const run = this.#active.get(runId);
    if (run) run.cancelled = false;
  }

  /**
   * Cancels a job of any kind: a training job cancels its run (when it is the run's open attempt), an evaluation or a
   * prior goes through the job runner. False when it is over, or held by another studio.
   */
  cancelJob(jobId: number): boolean {
    const job = getJob(this.db, jobId);
    if (job?.kind !== 'train') return this.jobs.cancel(jobId);
    return (job.state === 'queued' || job.state === 'running') && this.cancel(job.runId);
  }

  /** Stops every worker: their runs end as interrupted with the reason, their jobs wait again as queued. */
  async shutdown(reason = `${studioStopped}: it was shut down during the run`): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#flushTimer);
    this.light.close();
    this.jobs.close();
    const waits = [...this.#active.entries()].map(([runId, run]) => {
      this.flush(runId, run);
      if (run.remote) {
        // It goes on training on the cluster; the next studio on this database follows it again.
        run.worker.detach?.();
        this.#active.delete(runId);
        this.#ended.settle(runId);
        return Promise.resolve();
      }
      finishRun(this.db, runId, 'interrupted', reason);
      run.worker.kill();
      return this.#ended.wait(runId);
    });
    await Promise.all(waits);
    // Runs still waiting stay queued: the next studio on this database starts them.
    this.#ended.settleAll();
  }
}
