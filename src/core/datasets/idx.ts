import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';

export class DatasetFileError extends Error {
  /** `shown` is how the message names the file: its name unless told (e.g. its path within an imported folder). */
  constructor(
    readonly file: string,
    message: string,
    shown = basename(file),
  ) {
    super(`${shown}: ${message}`);
    this.name = 'DatasetFileError';
  }
}

/** An array with a dimension of 0 holds nothing to learn from (and would be stored as a 0 x 0 set): it is refused by name. */
export function refuseEmptyDimensions(dims: readonly number[], file: string): void {
  if (dims.some((d) => d === 0)) {
    throw new DatasetFileError(file, `holds an array of ${dims.join(' x ')}; every dimension must be at least 1`);
  }
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * An IDX header (LeCun's MNIST format: magic 0x0000 0x08 ndims, big-endian sizes) checked against the file's
 * length in bytes: the array's dimensions and where its data starts.
 */
export function parseIdxHeader(head: Uint8Array, length: number, file: string): { dims: number[]; offset: number } {
  if (length < 4) throw new DatasetFileError(file, `too short to be an IDX file (${length} bytes)`);
  if (head[0] !== 0 || head[1] !== 0) throw new DatasetFileError(file, 'wrong magic number: not an IDX file');
  if (head[2] !== 0x08) {
    throw new DatasetFileError(
      file,
      `IDX element type 0x${(head[2] ?? 0).toString(16)} is not supported (only unsigned bytes, 0x08)`,
    );
  }
  const ndims = head[3] ?? 0;
  if (ndims < 1 || ndims > 4) throw new DatasetFileError(file, `IDX with ${ndims} dimensions is not supported`);
  const offset = 4 + 4 * ndims;
  if (length < offset || head.length < offset) throw new DatasetFileError(file, 'truncated IDX header');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  refuseEmptyDimensions(dims, file);
  const expected = dims.reduce((a, b) => a * b, 1);
  const available = length - offset;
  if (available < expected) {
    throw new DatasetFileError(
      file,
      `truncated: header promises ${expected} bytes of data (${dims.join('x')}), file holds ${available}`,
    );
  }
  if (available > expected) throw new DatasetFileError(file, `${available - expected} unexpected bytes after the data`);
  return { dims, offset };
}

/** Parses an IDX file of unsigned bytes held whole in memory. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const { dims, offset } = parseIdxHeader(bytes, bytes.length, file);
  return { dims, data: bytes.subarray(offset) };
}

/** The largest IDX header: magic, then four 32-bit sizes. */
export const idxHeaderMax = 4 + 4 * 4;

/**
 * A data file's bytes, gunzipped when it is gzipped (by its magic number, whatever its name): the
 * one reader behind imports and the built-in sets, refusing unreadable, empty and corrupt files by name.
 */
export function readDataFile(file: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DatasetFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (bytes.length === 0) throw new DatasetFileError(file, 'is empty (0 bytes)');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DatasetFileError(file, `is a corrupt or truncated gzip file (${(e as Error).message})`);
    }
    if (bytes.length === 0) throw new DatasetFileError(file, 'is empty once decompressed');
  }
  return bytes;
}

/**
 * An IDX file's array, without reading more than it must: a gzipped file is read whole and gunzipped (`bytes` is
 * the whole decompressed file, `data` its array); a plain one has only its header read and checked against its
 * length, its array left in the file at `offset` (for a split that reads its images as they are drawn).
 */
export type IdxSource = { dims: number[] } & ({ bytes: Uint8Array; data: Uint8Array } | { file: string; offset: number });

export function openIdx(file: string): IdxSource {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new DatasetFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let head: Uint8Array;
  let length: number;
  try {
    length = fstatSync(fd).size;
    head = new Uint8Array(Math.min(idxHeaderMax, length));
    readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    // A folder where the file should be (EISDIR), a failing disk (EIO): named as an open that failed is.
    throw new DatasetFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  if (length === 0) throw new DatasetFileError(file, 'is empty (0 bytes)');
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const bytes = readDataFile(file);
    return { ...parseIdx(bytes, file), bytes };
  }
  return { ...parseIdxHeader(head, length, file), file };
}
