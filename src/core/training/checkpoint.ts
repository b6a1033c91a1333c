import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointRecord } from '../store/checkpoints';
import type { Weight } from '../../families/family-model';

const magic = 'LSCKPT1\n';

/**
 * Writes all weights to one file: magic, a JSON header (name, shape, dtype, offset per weight), float32 data.
 * The file is written under a temporary name and renamed into place, so a crash never leaves half a checkpoint.
 */
export function writeCheckpoint(dir: string, epoch: number, step: number, weights: Weight[]): CheckpointRecord {
  mkdirSync(dir, { recursive: true });
  const arrays = weights.map((w) => w.read().dataSync() as Float32Array);
  let offset = 0;
  const entries = weights.map((w, i) => {
    const entry = { name: w.name, shape: w.shape, dtype: 'float32', offset, length: (arrays[i] as Float32Array).length };
    offset += entry.length;
    return entry;
  });
  const header = Buffer.from(JSON.stringify({ epoch, step, weights: entries }), 'utf8');
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(header.length);
  const body = Buffer.concat([
    Buffer.from(magic),
    headerLength,
    header,
    ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
  ]);
  const path = join(dir, `epoch-${String(epoch).padStart(4, '0')}.lsckpt`);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, body);
  renameSync(tmp, path);
  return { epoch, step, path, sizeBytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}
