/**
 * Jobs with a worker in this studio: each in a worker of its own, started by the scheduler when a slot is free. It
 * keeps their state in the jobs table (running, then completed, failed or cancelled) and tells of each change through
 * its kind's handler. A worker that dies fails its job with how it died; at shutdown the jobs wait again as queued.
 */
import type { JobState } from '../../shared/api';
import type { Db } from '../store/db';
import { finishJob, getJob, jobHeldHere, markJobRunning, requeueJob, type JobKind, type JobRecord } from '../store/jobs';
import type { FromWorker, ToWorker, WorkerHandle, WorkerLauncher } from '../training/protocol';
import { Endings } from './endings';
import type { JobKindHandler } from './job-kind';

interface ActiveJob {
  job: JobRecord;
  worker: WorkerHandle;
  handler: JobKindHandler;
  /** Its outcome has been kept (or it was cancelled, or the studio is shutting down): the worker's exit changes nothing. */
  settled: boolean;
}

export class JobRunner {
  readonly #active = new Map<number, ActiveJob>();
  readonly #ended = new Endings();
  readonly #kinds = new Map<JobKind, JobKindHandler>();

  constructor(
    private readonly db: Db,
    private readonly launchWorker: WorkerLauncher,
    private readonly threads: () => number,
    /** Called when a job's worker is gone and its slot free. */
    private readonly freed: () => void,
  ) {}

  register(handler: JobKindHandler): void {
    this.#kinds.set(handler.kind, handler);
  }

  /** Whether jobs of this kind can run here (their handler is registered). */
  runs(kind: JobKind): boolean {
    return this.#kinds.has(kind);
  }

  /** Jobs with a worker now. */
  get ids(): number[] {
    return [...this.#active.keys()];
  }

  /** Of those, how many of each kind. */
  countByKind(): Map<JobKind, number> {
    const counts = new Map<JobKind, number>();
    for (const { job } of this.#active.values()) counts.set(job.kind, (counts.get(job.kind) ?? 0) + 1);
    return counts;
  }

  announce(job: JobRecord, state: JobState, error: string | null): void {
    this.#kinds.get(job.kind)?.announce(job, state, error);
  }

  /** Starts a claimed job in a worker of its own. */
  launch(job: JobRecord): void {
    const handler = this.#kinds.get(job.kind);
    if (!handler) throw new Error(`no handler for ${job.kind} jobs`);
    let message: ToWorker;
    try {
      message = handler.message(job);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (finishJob(this.db, job.id, { state: 'failed', error })) handler.announce(job, 'failed', error);
      this.#ended.settle(job.id);
      return;
    }
    let worker: WorkerHandle;
    try {
      worker = this.launchWorker({ threads: this.threads() });
    } catch (e) {
      const error = `no worker could start: ${e instanceof Error ? e.message : String(e)}`;
      if (finishJob(this.db, job.id, { state: 'failed', error })) handler.announce(job, 'failed', error);
      this.#ended.settle(job.id);
      return;
    }
    const active: ActiveJob = { job, worker, handler, settled: false };
    this.#active.set(job.id, active);
    const fail = (error: string) => {
      active.settled = true;
      if (finishJob(this.db, job.id, { state: 'failed', error })) handler.announce(job, 'failed', error);
    };
    worker.onMessage((m: FromWorker) => {
      if (active.settled) return;
      try {
        if (m.type === handler.answer) {
          active.settled = true;
          handler.complete(job, m);
        } else if (m.type === 'failed') fail(m.error);
        else handler.progress?.(job, m);
      } catch (e) {
        fail(`its outcome could not be kept: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    worker.onExit((description) => {
      if (!active.settled) fail(description);
      if (this.#active.get(job.id) === active) this.#active.delete(job.id);
      this.#ended.settle(job.id);
      this.freed();
    });
    markJobRunning(this.db, job.id);
    handler.announce(job, 'running', null);
    worker.send(message);
  }

  /** Settles when the job has ended and its outcome is stored, or this studio let it go (at once for one not held here). */
  whenEnded(id: number): Promise<void> {
    const job = getJob(this.db, id);
    // A training job ends with its run (Orchestrator.whenEnded).
    if (job?.kind === 'train' || (!this.#active.has(id) && !(job?.state === 'queued' && jobHeldHere(this.db, id)))) {
      return Promise.resolve();
    }
    return this.#ended.wait(id);
  }

  /**
   * Cancels a job: a running one here has its worker killed, a queued one (whoever holds it) ends at once. False for
   * a job that has ended, or that runs in another studio.
   */
  cancel(id: number): boolean {
    const active = this.#active.get(id);
    if (active) {
      if (active.settled) return false;
      active.settled = true;
      active.worker.kill();
      const reason = 'cancelled by the user';
      if (finishJob(this.db, id, { state: 'cancelled', error: reason })) active.handler.announce(active.job, 'cancelled', reason);
      return true;
    }
    const job = getJob(this.db, id);
    const reason = 'cancelled by the user before it started';
    // A training job ends with its run (Orchestrator.cancelJob).
    if (job?.state !== 'queued' || job.kind === 'train' || !finishJob(this.db, id, { state: 'cancelled', error: reason }))
      return false;
    this.announce(job, 'cancelled', reason);
    this.#ended.settle(id);
    return true;
  }

  /** Kills every job's worker; the jobs wait again as queued, for the next studio on this database. */
  close(): void {
    for (const [id, active] of this.#active) {
      active.settled = true;
      if (requeueJob(this.db, id)) active.handler.announce(active.job, 'queued', null);
      active.worker.kill();
    }
    this.#active.clear();
    this.#ended.settleAll();
  }
}
