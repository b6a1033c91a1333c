/**
 * The studio's Slurm back end: a sweep goes to the cluster as one job array, each task trains one run with the
 * studio's own worker and writes into its folder on shared storage, and the studio follows the tasks (squeue) and
 * ingests their event logs into its database as they grow, through the same code that stores a local worker's
 * messages. Slurm schedules; the studio only submits, follows and cancels.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../../shared/config';
import type { SlurmOptions, SlurmSweepInfo } from '../../shared/slurm';
import type { Db } from '../store/db';
import { activeSlurmRuns, addWarning, finishRun, setRunSlurm, unsubmittedSlurmRuns, type SlurmTaskRecord } from '../store/runs';
import { superviseTrainJob } from '../store/train-jobs';
import { setSweepSlurm } from '../store/sweeps';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations } from '../training/protocol';
import { endedStates, noAccounting, type SlurmCommands, type TaskState } from './commands';
import { taskDir, taskFiles, type TrainRequest } from './event-log';
import { batchScript, sbatchPath, type TaskCommand } from './script';
import { SlurmTaskHandle } from './task-handle';

export { SlurmTaskHandle };

/**
 * One poll of a task, stored in one transaction: what its log said (artifacts, checkpoints, metrics, warnings) and
 * the position after it commit together. Stored apart, a studio killed between the two read the same lines again
 * on reopening and stored their artifacts twice. The checkpoints the lines name are moved in first, outside the
 * transaction (a large file over NFS would hold the database's lock). Where the transaction fails, nothing of the
 * poll is stored, and what it did in memory (a run ended, a rung judged) goes with its handle: `forget` drops the
 * run, which is followed again from its stored position, as by a studio reopening.
 */
export function ingestTask(
  db: Db,
  handle: SlurmTaskHandle,
  state: TaskState | undefined,
  o: { flushRun: (runId: number) => void; forget: (runId: number) => void },
): void {
  try {
    const deliver = handle.read(state);
    db.transaction(() => {
      deliver();
      if (handle.over) return;
      o.flushRun(handle.runId);
      setRunSlurm(db, handle.runId, handle.record);
    })();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    handle.detach();
    o.forget(handle.runId);
    try {
      addWarning(
        db,
        handle.runId,
        `its Slurm log could not be read or stored (${message}): it is read again from where it was last stored`,
      );
    } catch {
      console.error(`latent-studio: run ${handle.runId}'s Slurm log not stored (${message}); it is read again`);
    }
  }
}

/** Failed squeue calls in a row before each followed run is told (about 30 s at the default poll). */
const squeueFailuresBeforeWarning = 30;

/**
 * A folder no sweep used before, made here (so no other studio takes it meanwhile): studios on other databases may
 * share the folder and their sweeps have the same ids, and a sweep id is used again after a delete. A job array that
 * sbatch took though its call failed (a timeout) would run its tasks in a folder of the same name: the random part
 * keeps them out of the next sweep's.
 */
function freshDir(shared: string, sweepId: number): string {
  mkdirSync(shared, { recursive: true });
  for (;;) {
    const dir = join(shared, `sweep-${sweepId}-${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export interface SlurmBackendOptions {
  db: Db;
  orchestrator: Orchestrator;
  commands: SlurmCommands;
  /** The shared folder: one folder per sweep under it. */
  sharedDir: string;
  checkpointDir: string;
  datasets: DatasetLocations;
  studioVersion: string;
  command: TaskCommand;
  pollMs?: number;
  /** How often to look for the Slurm runs of a studio that ended while this one is open (default 10 s). */
  orphansMs?: number;
  /** A studio silent this long is gone: the runs it followed are taken over (the orchestrator's own rule). */
  staleAfterMs?: number;
}

export class SlurmBackend {
  readonly #handles = new Map<number, SlurmTaskHandle>();
  readonly #timer: NodeJS.Timeout;
  #polling = false;
  #squeueFailures = 0;
  /** sacct said this cluster keeps no accounting: it is not asked again. */
  #noAccounting = false;
  #ticks = 0;

  constructor(private readonly o: SlurmBackendOptions) {
    const pollMs = o.pollMs ?? 1000;
    // About every 10 s: the Slurm runs of a studio that ended while this one is open (a `sweep --slurm` whose
    // terminal closed), which nobody would follow otherwise.
    const adoptEvery = Math.max(1, Math.round((o.orphansMs ?? 10_000) / pollMs));
    this.#timer = setInterval(() => {
      const failed = (what: string) => (e: unknown) =>
        console.error(`latent-studio: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (++this.#ticks % adoptEvery === 0) {
        try {
          this.followOrphans();
        } catch (e) {
          failed('following the Slurm runs of a studio that ended')(e);
        }
      }
      void this.poll().catch(failed('the Slurm poll'));
    }, pollMs);
    this.#timer.unref();
  }

  /** Follows the Slurm runs a studio before this one left on the cluster, from where their logs were ingested. */
  followLeftRuns(): void {
    // A studio that stopped while `sbatch` ran left its runs waiting for a task no one knows: they are interrupted,
    // to be resumed here (or swept again), not left queued for ever. (Called as the studio opens, before it submits
    // anything itself: what it holds here, it took over from a studio that is gone.)
    for (const runId of unsubmittedSlurmRuns(this.o.db)) {
      if (!superviseTrainJob(this.o.db, runId, this.o.staleAfterMs ?? 15_000)) continue;
      finishRun(
        this.o.db,
        runId,
        'interrupted',
        'the studio stopped while sending it to Slurm, before the cluster gave it a job id: resume it to train it here',
      );
    }
    this.followOrphans();
  }

  /** Follows the running Slurm runs whose studio has ended (at opening, and now and then while open). */
  private followOrphans(): void {
    for (const r of activeSlurmRuns(this.o.db)) {
      // Not those of a studio that lives (the app, beside a command-line studio): it follows them.
      if (this.#handles.has(r.id) || !superviseTrainJob(this.o.db, r.id, this.o.staleAfterMs ?? 15_000)) continue;
      this.follow(r.id, r.config, r.configHash, r.record);
    }
  }

  /** Task ids to cancel in the scancel about to run, and its outcome. */
  #cancelBatch: { ids: string[]; done: Promise<void> } | undefined;

  /** Cancels a task together with every other cancelled in the same turn (a sweep's: one scancel, not hundreds). */
  private scancel(id: string): Promise<void> {
    if (!this.#cancelBatch) {
      const ids: string[] = [];
      const done = Promise.resolve().then(() => {
        this.#cancelBatch = undefined;
        return this.o.commands.scancel(ids);
      });
      this.#cancelBatch = { ids, done };
    }
    this.#cancelBatch.ids.push(id);
    return this.#cancelBatch.done;
  }

  /**
   * How a cancelled run's scancel went: null once it went through (or for a run that is not on Slurm here), else why
   * it failed. Then the task goes on, and so does the run: `uncancel` is called, unless a later cancel of the run has
   * been sent since (its outcome is its own).
   */
  async cancelOutcome(runId: number, uncancel: () => void): Promise<string | null> {
    const cancelling = this.#handles.get(runId)?.cancelling;
    if (!cancelling) return null;
    try {
      await cancelling;
      return null;
    } catch (e) {
      if (this.#handles.get(runId)?.cancelling === cancelling) uncancel();
      return e instanceof Error ? e.message : String(e);
    }
  }

  private follow(runId: number, config: RunConfig, hash: string, record: SlurmTaskRecord): void {
    const handle = new SlurmTaskHandle(runId, record, {
      checkpointDir: this.o.checkpointDir,
      scancel: (id) => this.scancel(id),
      onError: (message) => addWarning(this.o.db, runId, message),
    });
    this.#handles.set(runId, handle);
    handle.onExit((_description, clean) => {
      if (clean) handle.record.state = 'COMPLETED';
      setRunSlurm(this.o.db, runId, handle.record);
      this.#handles.delete(runId);
    });
    this.o.orchestrator.attachRemote(runId, config, hash, handle);
  }

  /**
   * Writes each run's request and the batch script into the sweep's shared folder and submits the array; then
   * follows every task. When sbatch refuses, the folder is removed and the error thrown (the caller unwinds).
   * `first`: the number of the first task, for an adaptive sweep's later proposals (each submitted as it is made,
   * with a batch script of its own beside the sweep's).
   */
  async submitSweep(
    sweep: { id: number; name: string },
    runs: { runId: number; config: RunConfig; configHash: string }[],
    options: SlurmOptions,
    first = 0,
    /** The folder of the sweep's first submission (a later proposal's task goes beside its tasks). */
    dir?: string,
  ): Promise<SlurmSweepInfo> {
    // A folder the batch script cannot name is refused before anything is written.
    sbatchPath(dir ?? this.o.sharedDir);
    const sweepDir = dir ?? freshDir(this.o.sharedDir, sweep.id);
    mkdirSync(sweepDir, { recursive: true });
    const made: string[] = [];
    try {
      runs.forEach((r, i) => {
        const dir = taskDir(sweepDir, first + i);
        made.push(dir);
        mkdirSync(join(dir, taskFiles.checkpoints), { recursive: true });
        const request: TrainRequest = {
          type: 'train',
          runId: r.runId,
          config: r.config,
          configHash: r.configHash,
          checkpointDir: join(dir, taskFiles.checkpoints),
          studioVersion: this.o.studioVersion,
          datasets: this.o.datasets,
          resume: null,
        };
        writeFileSync(join(dir, taskFiles.request), JSON.stringify(request));
      });
      const script = batchScript({
        sweepName: sweep.name,
        sweepId: sweep.id,
        sweepDir,
        tasks: runs.length,
        first,
        options,
        command: this.o.command,
      });
      const scriptPath = join(sweepDir, first === 0 ? 'sweep.sbatch' : `task-${first}.sbatch`);
      made.push(scriptPath);
      writeFileSync(scriptPath, script, { mode: 0o755 });
      const jobId = await this.o.commands.sbatch(scriptPath);
      const info: SlurmSweepInfo = { jobId, dir: sweepDir, script: scriptPath, options };
      if (first === 0) setSweepSlurm(this.o.db, sweep.id, info);
      runs.forEach((r, i) => {
        const task = first + i;
        const record: SlurmTaskRecord = { jobId, taskId: task, state: 'PENDING', dir: taskDir(sweepDir, task), offset: 0 };
        setRunSlurm(this.o.db, r.runId, record);
        this.follow(r.runId, r.config, r.configHash, record);
      });
      return info;
    } catch (e) {
      // Only what this submission wrote: an adaptive sweep's earlier tasks live in the same folder.
      if (first === 0) rmSync(sweepDir, { recursive: true, force: true });
      else for (const path of made) rmSync(path, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * The end states of the tasks squeue has forgotten (it keeps an ended task MinJobAge seconds, 5 minutes by default:
   * a studio closed longer never saw how its tasks ended), from Slurm's accounting where the cluster keeps it, so that
   * a task that hit its time limit is said to have, not only to be gone.
   */
  private async addFinalStates(handles: SlurmTaskHandle[], states: Map<string, TaskState>): Promise<void> {
    const forgotten = handles.filter((h) => !h.over && !states.has(h.id)).map((h) => h.id);
    if (forgotten.length === 0 || this.#noAccounting || !this.o.commands.finalStates) return;
    try {
      for (const [id, state] of await this.o.commands.finalStates(forgotten)) {
        if (endedStates.has(state.state)) states.set(id, state);
      }
    } catch (e) {
      if (noAccounting(e)) this.#noAccounting = true;
      else console.error(`latent-studio: sacct failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** One look at the cluster: the states of every followed task, then what each wrote since. */
  async poll(): Promise<void> {
    if (this.#polling || this.#handles.size === 0) return;
    this.#polling = true;
    try {
      // The tasks asked about: one followed while squeue answers is judged at the next poll, not by this answer.
      const handles = [...this.#handles.values()];
      const jobIds = [...new Set(handles.map((h) => h.record.jobId))];
      let states: Map<string, TaskState> | null = null;
      try {
        states = await this.o.commands.taskStates(jobIds);
        this.#squeueFailures = 0;
      } catch (e) {
        // The controller is unreachable for a moment: read the logs, judge no task by squeue.
        const message = e instanceof Error ? e.message : String(e);
        console.error(`latent-studio: squeue failed: ${message}`);
        // Failing for a while (squeue not on this PATH, the controller down): said on each run it leaves unjudged,
        // once per stretch of failures, since its state shown is the last one squeue gave.
        if (++this.#squeueFailures === squeueFailuresBeforeWarning)
          for (const handle of this.#handles.values())
            addWarning(
              this.o.db,
              handle.runId,
              `squeue has failed ${this.#squeueFailures} times in a row (${message}): the Slurm state shown is the last it gave; the studio keeps asking`,
            );
      }
      if (states) await this.addFinalStates(handles, states);
      for (const handle of handles) {
        const { state: last, reason } = handle.record;
        const state = states ? states.get(handle.id) : { state: last, ...(reason ? { reason } : {}) };
        ingestTask(this.o.db, handle, state, {
          flushRun: (runId) => this.o.orchestrator.flushRun(runId),
          forget: (runId) => {
            this.#handles.delete(runId);
            this.o.orchestrator.forgetRemote(runId);
          },
        });
      }
    } finally {
      this.#polling = false;
    }
  }

  /** Stops following (the tasks go on; the next studio on this database follows them again). */
  close(): void {
    clearInterval(this.#timer);
  }
}
