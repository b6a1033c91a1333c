import { readFileSync } from 'node:fs';
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

/** Parses an IDX file of unsigned bytes (LeCun's MNIST format): magic 0x0000 0x08 ndims, big-endian sizes. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DatasetFileError(file, `too short to be an IDX file (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DatasetFileError(file, 'wrong magic number: not an IDX file');
  if (bytes[2] !== 0x08) {
    throw new DatasetFileError(
      file,
      `IDX element type 0x${(bytes[2] ?? 0).toString(16)} is not supported (only unsigned bytes, 0x08)`,
    );
  }
  const ndims = bytes[3] ?? 0;
  if (ndims < 1 || ndims > 4) throw new DatasetFileError(file, `IDX with ${ndims} dimensions is not supported`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new DatasetFileError(file, 'truncated IDX header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  refuseEmptyDimensions(dims, file);
  const expected = dims.reduce((a, b) => a * b, 1);
  const available = bytes.length - header;
  if (available < expected) {
    throw new DatasetFileError(
      file,
      `truncated: header promises ${expected} bytes of data (${dims.join('x')}), file holds ${available}`,
    );
  }
  if (available > expected) throw new DatasetFileError(file, `${available - expected} unexpected bytes after the data`);
  return { dims, data: bytes.subarray(header, header + expected) };
}

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
