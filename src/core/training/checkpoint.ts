import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CheckpointRecord } from '../store/checkpoints';
import { processAlive } from '../store/supervisor';

/**
 * A checkpoint holds everything needed to continue a run bit for bit: every weight, the optimizer's
 * slots (Adam's moments) and counters, the epoch and step, the trainer's RNG state (the data order
 * follows from it), and the family's own state (its noise streams, code usage, ...). Layout:
 *   magic "LSCKPT2\n", u32 header length, JSON header, float32 tensors back to back, sha256 of all before it.
 * Written under a temporary name, synced, and renamed into place, so a crash (or a power cut) never leaves half a
 * checkpoint under its name.
 */
const magic = 'LSCKPT2\n';
const digestBytes = 32;

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** JSON-able state: numbers, strings, booleans, arrays and objects of them. */
export type JsonState = { [key: string]: unknown };

export interface TrainingState {
  epoch: number;
  step: number;
  weights: NamedArray[];
  optimizer: NamedArray[];
  /** The trainer's own counters and RNG state. */
  trainer: JsonState;
  /** The family's state (BuiltModel.state()). */
  family: JsonState;
}

/** A checkpoint that cannot be used: truncated, corrupted, or not one at all. The message names the file. */
export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`checkpoint ${basename(path)} (${path}) ${why}`);
    this.name = 'CheckpointError';
  }
}

interface HeaderEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export function checkpointPath(dir: string, epoch: number): string {
  return join(dir, `epoch-${String(epoch).padStart(4, '0')}.lsckpt`);
}

/** Writes a checkpoint into `dir`, named by its epoch unless `fileName` is given (a learned prior's beside the run's). */
export function writeCheckpoint(dir: string, state: TrainingState, fileName?: string): CheckpointRecord {
  mkdirSync(dir, { recursive: true });
  let offset = 0;
  const entries = (list: NamedArray[]): HeaderEntry[] =>
    list.map((a) => {
      const entry = { name: a.name, shape: a.shape, offset, length: a.values.length };
      offset += a.values.length;
      return entry;
    });
  const header = Buffer.from(
    JSON.stringify({
      epoch: state.epoch,
      step: state.step,
      weights: entries(state.weights),
      optimizer: entries(state.optimizer),
      trainer: state.trainer,
      family: state.family,
    }),
    'utf8',
  );
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(header.length);
  // The parts as they lie, never copied into one buffer: a concatenation of a large model's tensors (28 MB for an
  // MLP on 64×64 images with Adam's slots) took longer than the hashing and the write together.
  const parts = [
    Buffer.from(magic),
    headerLength,
    header,
    ...[...state.weights, ...state.optimizer].map((a) => Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength)),
  ];
  // One pass for both digests: the body's (the file's last bytes) and the whole file's (the database's record).
  const bodyHash = createHash('sha256');
  const fileHash = createHash('sha256');
  for (const part of parts) {
    bodyHash.update(part);
    fileHash.update(part);
  }
  const digest = bodyHash.digest();
  parts.push(digest);
  const sha256 = fileHash.update(digest).digest('hex');
  const sizeBytes = parts.reduce((n, p) => n + p.length, 0);
  const path = fileName ? join(dir, fileName) : checkpointPath(dir, state.epoch);
  const tmp = `${path}.tmp-${process.pid}`;
  removeStaleTemporaries(dirname(path));
  // On disk before it is named, and named before the database records it: a power cut leaves the old file or the
  // new one, never a row naming an empty file.
  const fd = openSync(tmp, 'w');
  try {
    for (const part of parts) for (let at = 0; at < part.length;) at += writeSync(fd, part, at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncFolder(dirname(path));
  return {
    epoch: state.epoch,
    step: state.step,
    path,
    sizeBytes,
    sha256,
  };
}

/** Half-written checkpoints (`*.tmp-<pid>`) of workers that died mid-write (kill -9): nothing else removes them. */
function removeStaleTemporaries(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !processAlive(Number(pid))) rmSync(join(dir, name), { force: true });
  }
}

/** Makes a rename in the folder durable (where the platform can open a folder: not Windows). */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* no folder handles here */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads and verifies a checkpoint (its own digest, and the stored one when given); refuses a bad file by name. */
export function readCheckpoint(path: string, expectedSha256?: string): TrainingState {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (file.length < magic.length + 4 + digestBytes || file.subarray(0, magic.length).toString('latin1') !== magic) {
    throw new CheckpointError(path, 'is not a Latent Studio checkpoint of this version, or is truncated');
  }
  const body = file.subarray(0, file.length - digestBytes);
  if (
    !createHash('sha256')
      .update(body)
      .digest()
      .equals(file.subarray(file.length - digestBytes))
  ) {
    throw new CheckpointError(path, 'is corrupt or truncated: its checksum does not match its contents');
  }
  if (expectedSha256 && createHash('sha256').update(file).digest('hex') !== expectedSha256) {
    throw new CheckpointError(path, 'is not the file that was recorded for this run (its sha256 differs)');
  }
  const headerLength = body.readUInt32LE(magic.length);
  const dataStart = magic.length + 4 + headerLength;
  let header: {
    epoch: number;
    step: number;
    weights: HeaderEntry[];
    optimizer: HeaderEntry[];
    trainer: JsonState;
    family: JsonState;
  };
  try {
    header = JSON.parse(body.subarray(magic.length + 4, dataStart).toString('utf8')) as typeof header;
  } catch {
    throw new CheckpointError(path, 'has an unreadable header');
  }
  const floats = new Float32Array(body.buffer.slice(body.byteOffset + dataStart, body.byteOffset + body.length));
  const arrays = (list: HeaderEntry[]): NamedArray[] =>
    list.map((e) => {
      if (e.offset + e.length > floats.length) throw new CheckpointError(path, `holds too little data for ${e.name}`);
      return { name: e.name, shape: e.shape, values: floats.slice(e.offset, e.offset + e.length) };
    });
  return {
    epoch: header.epoch,
    step: header.step,
    weights: arrays(header.weights),
    optimizer: arrays(header.optimizer),
    trainer: header.trainer,
    family: header.family,
  };
}
