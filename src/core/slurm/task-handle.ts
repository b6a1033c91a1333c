/**
 * A Slurm task seen through the worker protocol: its event log in the shared folder read as a local worker's
 * messages, its end as Slurm and the task itself say it, and its cancel through the back end's scancel.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { hopelessReason } from '../../shared/slurm';
import type { CheckpointRecord } from '../store/checkpoints';
import type { SlurmTaskRecord } from '../store/runs';
import type { FromWorker, WorkerHandle } from '../training/protocol';
import { endedStates, type TaskState } from './commands';
import { encodeEntry, readNewEntries, taskFiles } from './event-log';

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

/** Polls of squeue in a row that no longer list a task before it counts as gone. */
const missingPollsBeforeGone = 3;
/** Polls to wait, once Slurm says a task ended, for the task's own last lines (shared storage can lag). */
const gracePollsAfterEnd = 3;
/**
 * And, once Slurm says COMPLETED, this long: the task wrote its end, which a shared folder that caches attributes
 * (NFS with nocto, sshfs) may show a while later; ended before, the run would lose its last metrics and checkpoint.
 */
const graceMsAfterCompleted = 60_000;

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
  #endSeenAt: number | undefined;
  #seen = false;
  #cancelling: Promise<void> | undefined;
  /** The hopeless reasons to wait already said as a warning. */
  readonly #warned = new Set<string>();
  /** The task's last word where Slurm stopped it, held until Slurm's state says why; and the polls since. */
  #stopped: { description: string; polls: number; offset: number; signal: boolean } | undefined;
  /** Whether a task's checkpoint could not be removed from the cluster already (said once). */
  #keptOnCluster = false;

  constructor(
    readonly runId: number,
    readonly record: SlurmTaskRecord,
    private readonly o: {
      checkpointDir: string;
      /** Cancels the task (`A_T`) with others cancelled at the same moment: one scancel for a whole sweep. */
      scancel(id: string): Promise<void>;
      onError(message: string): void;
      /** The clock (tests pass their own). */
      now?: () => number;
      /** Removes the task's copy of a checkpoint once the studio holds its own (tests pass one that fails). */
      remove?: (path: string) => void;
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

  /**
   * A checkpoint the task wrote, moved into the studio's own store, so resuming works as for a local run and the
   * run's policy (keep the last K, the best) prunes the only copy: left in the task's folder, every checkpoint of
   * every run of a sweep stayed on the cluster's shared storage. A line read again (a poll whose transaction failed)
   * finds its checkpoint moved already. Where the task's copy cannot be removed (a read-only mount), it stays, said
   * once; the studio's copy is used all the same.
   */
  private adopt(c: CheckpointRecord): CheckpointRecord | null {
    const dir = join(this.o.checkpointDir, `run-${this.runId}`);
    const target = join(dir, basename(c.path));
    try {
      if (!existsSync(c.path) && existsSync(target) && sha256File(target) === c.sha256) return { ...c, path: target };
      if (sha256File(c.path) !== c.sha256) throw new Error(`${c.path} does not match its sha256`);
      mkdirSync(dir, { recursive: true });
      copyFileSync(c.path, target);
    } catch (e) {
      this.o.onError(`checkpoint of epoch ${c.epoch} not copied from the cluster: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
    try {
      (this.o.remove ?? ((path: string) => rmSync(path, { force: true })))(c.path);
    } catch (e) {
      if (!this.#keptOnCluster) {
        this.#keptOnCluster = true;
        this.o.onError(
          `the cluster's copies of this run's checkpoints cannot be removed (${e instanceof Error ? e.message : String(e)}): they stay in ${dirname(c.path)}`,
        );
      }
    }
    return { ...c, path: target };
  }

  /**
   * Ingests what the task wrote since the last poll (at most `readBytes` of it: tests set less); `task` is Slurm's state
   * of the task (undefined: squeue lists it no more).
   */
  poll(task: TaskState | undefined, readBytes?: number): void {
    this.read(task, readBytes)();
  }

  /**
   * The first half of a poll, which touches files only: Slurm's state noted, the log read on, and the checkpoints it
   * names moved into the studio's store (a large file over NFS is not copied while the database is locked). The
   * function returned is the second half: it hands the log's messages on and judges the task's end.
   */
  read(task: TaskState | undefined, readBytes?: number): () => void {
    if (this.#over) return () => undefined;
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
    const { entries, offset, more } = readNewEntries(join(this.record.dir, taskFiles.events), this.record.offset, readBytes);
    this.record.offset = offset;
    const adopted = new Map<number, CheckpointRecord | null>();
    entries.forEach((entry, i) => entry.type === 'checkpoint' && adopted.set(i, this.adopt(entry.checkpoint)));
    return () => this.deliver(entries, offset, more, state, adopted);
  }

  private deliver(
    entries: ReturnType<typeof readNewEntries>['entries'],
    offset: number,
    more: boolean | undefined,
    state: string | undefined,
    adopted: Map<number, CheckpointRecord | null>,
  ): void {
    for (const [i, entry] of entries.entries()) {
      if (entry.type === 'task-exit') {
        if (entry.clean) {
          this.end(entry.description, entry.clean);
          return;
        }
        // Unclean with or without a signal (a worker the cgroup's out-of-memory killer took exits as SIGKILL's child,
        // its task by a code of its own): Slurm's state may say why.
        // Held; the position saved is the one before this last line, so that a studio that stops meanwhile reads
        // it again on reopening (and ends the run with Slurm's reason then), not a log that seems to have no end.
        const before = i === entries.length - 1 ? offset - Buffer.byteLength(encodeEntry(entry)) : offset;
        this.#stopped ??= { description: entry.description, polls: 0, offset: before, signal: entry.signal !== undefined };
        continue;
      }
      let message: FromWorker | null = entry;
      if (entry.type === 'checkpoint') {
        const checkpoint = adopted.get(i);
        message = checkpoint ? { type: 'checkpoint', checkpoint } : null;
      }
      if (message) for (const fn of this.#messages) fn(message);
    }
    // The log has more than a read takes (a studio reopened behind it): it is read on before any end is judged.
    if (more) return;
    if (this.#stopped) {
      // Stopped by Slurm: its state once the task has ended says whether by scancel, its time limit or preemption.
      const { description, signal } = this.#stopped;
      this.record.offset = this.#stopped.offset;
      // A task that failed by itself ends FAILED (or COMPLETED): that says no more than its own word.
      if (state && endedStates.has(state)) {
        const says = signal || (state !== 'FAILED' && state !== 'COMPLETED');
        this.end(says ? `${description}; Slurm says ${state}: ${endedMeaning[state] ?? 'Slurm ended it'}` : description, false);
      } else if (!state || ++this.#stopped.polls >= pollsForStopReason) this.end(description, false);
    } else if (state && endedStates.has(state)) {
      // Ended without its own last word yet: give the shared folder a moment, then end as Slurm says.
      const now = (this.o.now ?? Date.now)();
      this.#endSeenAt ??= now;
      const waited = state !== 'COMPLETED' || now - this.#endSeenAt >= graceMsAfterCompleted;
      if (++this.#grace >= gracePollsAfterEnd && waited)
        this.end(endedEarly(this.id, state, join(this.record.dir, taskFiles.log)), false);
    } else if (!state && this.#missing >= missingPollsBeforeGone) {
      this.end(
        // Known once: listed while this studio looked, or by the studio before it, or it wrote to its log.
        this.#seen || this.record.state !== 'PENDING' || this.record.offset > 0
          ? `the Slurm task ${this.id} is no longer known to Slurm, and its log has no end (last state ${this.record.state})`
          : `the Slurm task ${this.id} is not known to Slurm`,
        false,
      );
    }
  }
}
