/**
 * A Slurm task's folder on the storage the cluster shares with the studio: compute nodes need no network to the
 * studio and no access to its database. The studio writes `request.json` (the worker's train message) before it
 * submits; the task appends every worker message to `events.jsonl`, one JSON line each, and its checkpoints go to
 * `checkpoints/`. The studio reads the log from where it stopped, so curves arrive while the task trains.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { FromWorker, ToWorker } from '../training/protocol';

export const taskFiles = {
  request: 'request.json',
  events: 'events.jsonl',
  checkpoints: 'checkpoints',
  log: 'slurm.log',
};

export function taskDir(sweepDir: string, task: number): string {
  return join(sweepDir, `task-${task}`);
}

/** What the task itself adds to the worker's messages: how the worker (or the task) ended. */
export interface TaskExit {
  type: 'task-exit';
  description: string;
  clean: boolean;
  /** The signal Slurm stopped the task with (scancel, its time limit, preemption): which, Slurm's state says. */
  signal?: string;
}

export type LogEntry = FromWorker | TaskExit;

/** One line of the log: artifact bytes as base64 (JSON has no bytes). */
export function encodeEntry(entry: LogEntry): string {
  if (entry.type === 'artifact') {
    const { data, ...rest } = entry.artifact;
    return `${JSON.stringify({ type: 'artifact', artifact: { ...rest, data: Buffer.from(data).toString('base64') } })}\n`;
  }
  return `${JSON.stringify(entry)}\n`;
}

export function decodeEntry(line: string): LogEntry {
  const entry = JSON.parse(line) as LogEntry;
  if (entry.type === 'artifact') {
    const data = entry.artifact.data as unknown as string;
    return { type: 'artifact', artifact: { ...entry.artifact, data: new Uint8Array(Buffer.from(data, 'base64')) } };
  }
  return entry;
}

/**
 * The complete lines of the log from `offset` on, and the offset after the last of them (a line still being
 * written, without its newline, waits for the next read).
 */
export function readNewEntries(
  path: string,
  offset: number,
  /**
   * At most this much a read (more only for one line longer than it): a studio reopened behind a large log (images
   * are base64 lines) reads it over several polls, not in one buffer too large to decode as a string.
   */
  maxBytes = 16 << 20,
): {
  entries: LogEntry[];
  offset: number;
  /** What the file holds past this read's window: the next poll reads on. */ more?: boolean;
} {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], offset };
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { entries: [], offset };
    const readFrom = (length: number) => {
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, offset + read);
        if (n === 0) break;
        read += n;
      }
      return { buffer, end: buffer.lastIndexOf(0x0a, read - 1) };
    };
    let { buffer, end } = readFrom(Math.min(size - offset, maxBytes));
    // One line longer than the window: read on to its end.
    if (end < 0 && size - offset > maxBytes) ({ buffer, end } = readFrom(size - offset));
    if (end < 0) return { entries: [], offset };
    const text = buffer.subarray(0, end + 1).toString('utf8');
    // A line that does not parse (a disk filled mid-write, a node's crash) becomes a warning on the run: thrown, it
    // stopped every later read, and the run never ended.
    const entries = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line): LogEntry => {
        try {
          return decodeEntry(line);
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          return { type: 'warning', message: `a line of its Slurm log could not be read (${why}): skipped` };
        }
      });
    return { entries, offset: offset + end + 1, ...(buffer.length < size - offset ? { more: true } : {}) };
  } finally {
    closeSync(fd);
  }
}

export type TrainRequest = Extract<ToWorker, { type: 'train' }>;
