/**
 * The studio's Slurm back end: a sweep goes to the cluster as one job array, each task trains one run with the
 * studio's own worker and writes into its folder on shared storage, and the studio follows the tasks (squeue) and
 * ingests their event logs into its database as they grow, through the same code that stores a local worker's
 * messages. Slurm schedules; the studio only submits, follows and cancels.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import type { RunConfig } from '../../shared/config';
import type { SlurmOptions, SlurmSweepInfo } from '../../shared/slurm';
import type { CheckpointRecord } from '../store/checkpoints';
import type { Db } from '../store/db';
import { activeSlurmRuns, addWarning, finishRun, setRunSlurm, unsubmittedSlurmRuns, type SlurmTaskRecord } from '../store/runs';
import { superviseTrainJob } from '../store/train-jobs';
import { setSweepSlurm } from '../store/sweeps';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations, FromWorker, WorkerHandle } from '../training/protocol';
import { hopelessReason } from '../../shared/slurm';
import { endedStates, type SlurmCommands, type TaskState } from './commands';
import { readNewEntries, taskDir, taskFiles, type TrainRequest } from './event-log';
import { batchScript, type TaskCommand } from './script';

/** What Slurm's end states mean for a task that ended before its run did. */
const endedMeaning: Record<string, string> = {
  TIMEOUT: 'it hit its time limit (raise "Time limit", or resume the run from its checkpoint)',
  PREEMPTED: 'a job of higher priority preempted it',
  NODE_FAIL: 'its node failed',
  BOOT_FAIL: 'its node failed to boot',
  CANCELLED: 'it was cancelled (scancel, or an administrator)',
  OUT_OF_MEMORY: 'it ran out of memory (ask for more with --mem in the extra options)',
  DEADLINE: 'it reached its deadline',
  FAILED: "it exited with an error before its worker began (a path the node can't see, a Node or CLI it can't run)",
};

/**
 * Why a run ended when its Slurm task ended first, with the end of the task's own log (sbatch's --output), where a
 * node's error is: "ended FAILED" alone would send the user looking in the wrong place.
 */
export function endedEarly(taskId: string, state: string, logPath: string): string {
  let tail = '';
  try {
    const text = readFileSync(logPath, 'utf8');
    tail = text.trimEnd().split('\n').slice(-3).join(' | ').slice(-400);
  } catch {
    /* no log: the node could not write it (the folder is not shared), said below */
  }
  const why = endedMeaning[state] ?? 'Slurm ended it';
  return (
    `the Slurm task ${taskId} ended ${state} before its run did: ${why}. ` +
    (tail
      ? `The end of its log (${logPath}): ${tail}`
      : `Its log ${logPath} is empty or missing: can the node write to the shared folder?`)
  );
}

/** Polls to wait, once a task says Slurm stopped it, for Slurm's state to say why (TIMEOUT, PREEMPTED, CANCELLED). */
const pollsForStopReason = 10;

/** Failed squeue calls in a row before each followed run is told (about 30 s at the default poll). */
const squeueFailuresBeforeWarning = 30;

/** Polls of squeue in a row that no longer list a task before it counts as gone. */
const missingPollsBeforeGone = 3;
/** Polls to wait, once Slurm says a task ended, for the task's own last lines (shared storage can lag). */
const gracePollsAfterEnd = 3;

/**
 * A folder no sweep uses yet: studios on other databases may share the folder, and their sweeps have the same ids
 * (a task folder left by another sweep would be read as this one's).
 */
function freshDir(base: string): string {
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  return dir;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A Slurm task seen through the worker protocol: its event log read from the shared folder. */
export class SlurmTaskHandle implements WorkerHandle {
  readonly pid = undefined;
  readonly #messages: ((m: FromWorker) => void)[] = [];
  readonly #exits: ((description: string, clean: boolean) => void)[] = [];
  #over = false;
  #missing = 0;
  #grace = 0;
  #seen = false;
  #cancelling: Promise<void> | undefined;
  /** The hopeless reasons to wait already said as a warning. */
  readonly #warned = new Set<string>();
  /** The task's last word where Slurm stopped it, held until Slurm's state says why; and the polls since. */
  #stopped: { description: string; polls: number } | undefined;

  constructor(
    readonly runId: number,
    readonly record: SlurmTaskRecord,
    private readonly o: {
      checkpointDir: string;
      /** Cancels the task (`A_T`) with others cancelled at the same moment: one scancel for a whole sweep. */
      scancel(id: string): Promise<void>;
      onError(message: string): void;
    },
  ) {}

  get id(): string {
    return `${this.record.jobId}_${this.record.taskId}`;
  }

  get over(): boolean {
    return this.#over;
  }

  send(): void {
    // The request was written to the task's folder before the array was submitted.
  }
  onMessage(listener: (m: FromWorker) => void): void {
    this.#messages.push(listener);
  }
  onExit(listener: (description: string, clean: boolean) => void): void {
    this.#exits.push(listener);
  }
  kill(): void {
    const cancelling = this.o.scancel(this.id);
    this.#cancelling = cancelling;
    cancelling.catch((e: unknown) => this.o.onError(e instanceof Error ? e.message : String(e)));
  }

  /** The scancel of the last kill(): it rejects where scancel failed (the task goes on). */
  get cancelling(): Promise<void> | undefined {
    return this.#cancelling;
  }
  detach(): void {
    this.#over = true;
  }

  private end(description: string, clean: boolean): void {
    if (this.#over) return;
    this.#over = true;
    for (const fn of this.#exits) fn(description, clean);
  }

  /** A checkpoint the task wrote, copied into the studio's own store, so resuming works as for a local run. */
  private adopt(c: CheckpointRecord): CheckpointRecord | null {
    const dir = join(this.o.checkpointDir, `run-${this.runId}`);
    const target = join(dir, basename(c.path));
    try {
      if (sha256File(c.path) !== c.sha256) throw new Error(`${c.path} does not match its sha256`);
      mkdirSync(dir, { recursive: true });
      copyFileSync(c.path, target);
      return { ...c, path: target };
    } catch (e) {
      this.o.onError(`checkpoint of epoch ${c.epoch} not copied from the cluster: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  /** Ingests what the task wrote since the last poll; `task` is Slurm's state of the task (undefined: squeue lists it no more). */
  poll(task: TaskState | undefined): void {
    if (this.#over) return;
    const state = task?.state;
    if (task) {
      this.#seen = true;
      this.#missing = 0;
      this.record.state = task.state;
      if (task.reason) this.record.reason = task.reason;
      else delete this.record.reason;
      const hopeless = hopelessReason(task.reason);
      if (task.reason && hopeless && !this.#warned.has(task.reason)) {
        this.#warned.add(task.reason);
        this.o.onError(`the Slurm task ${this.id} waits for ever (${task.reason}): ${hopeless}`);
      }
    } else this.#missing += 1;
    const { entries, offset } = readNewEntries(join(this.record.dir, taskFiles.events), this.record.offset);
    this.record.offset = offset;
    for (const entry of entries) {
      if (entry.type === 'task-exit') {
        if (entry.signal === undefined || entry.clean) {
          this.end(entry.description, entry.clean);
          return;
        }
        this.#stopped = { description: entry.description, polls: 0 };
        continue;
      }
      let message: FromWorker | null = entry;
      if (entry.type === 'checkpoint') {
        const adopted = this.adopt(entry.checkpoint);
        message = adopted ? { type: 'checkpoint', checkpoint: adopted } : null;
      }
      if (message) for (const fn of this.#messages) fn(message);
    }
    if (this.#stopped) {
      // Stopped by Slurm: its state once the task has ended says whether by scancel, its time limit or preemption.
      const { description } = this.#stopped;
      if (state && endedStates.has(state))
        this.end(`${description}; Slurm says ${state}: ${endedMeaning[state] ?? 'Slurm ended it'}`, false);
      else if (!state || ++this.#stopped.polls >= pollsForStopReason) this.end(description, false);
    } else if (state && endedStates.has(state)) {
      // Ended without its own last word yet: give the shared folder a moment, then end as Slurm says.
      if (++this.#grace >= gracePollsAfterEnd) this.end(endedEarly(this.id, state, join(this.record.dir, taskFiles.log)), false);
    } else if (!state && this.#missing >= missingPollsBeforeGone) {
      this.end(
        this.#seen
          ? `the Slurm task ${this.id} is no longer known to Slurm, and its log has no end (last state ${this.record.state})`
          : `the Slurm task ${this.id} is not known to Slurm`,
        false,
      );
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
   * The scancel of a cancelled run's task, where it is a Slurm run this studio follows: it rejects where scancel
   * failed, and the task goes on.
   */
  cancelling(runId: number): Promise<void> | undefined {
    return this.#handles.get(runId)?.cancelling;
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
    const sweepDir = dir ?? freshDir(join(this.o.sharedDir, `sweep-${sweep.id}`));
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

  /** One look at the cluster: the states of every followed task, then what each wrote since. */
  async poll(): Promise<void> {
    if (this.#polling || this.#handles.size === 0) return;
    this.#polling = true;
    try {
      const jobIds = [...new Set([...this.#handles.values()].map((h) => h.record.jobId))];
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
      for (const handle of [...this.#handles.values()]) {
        const { state: last, reason } = handle.record;
        const state = states ? states.get(handle.id) : { state: last, ...(reason ? { reason } : {}) };
        try {
          handle.poll(state);
        } catch (e) {
          addWarning(this.o.db, handle.runId, `its Slurm log could not be read: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (handle.over) continue;
        // What was read is in the database before its position is recorded (a restart reads on from there).
        this.o.orchestrator.flushRun(handle.runId);
        setRunSlurm(this.o.db, handle.runId, handle.record);
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
