/**
 * The model's own decoding of codes, computed outside the studio: the run's model rebuilt from its config and a
 * checkpoint as the core's rebuild functions do it, `decode`, then each value rounded to 8 bits as the studio's image
 * views round them. What the explorer shows is checked against it (explorer.test.ts, and tests/e2e/explore.spec.ts,
 * which runs this file as a child process: `node --import tsx own-decoding.ts` with a JSON request on stdin).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BuiltModel } from '../../src/families/family-model';
import { DatasetCatalog } from '../../src/core/datasets/catalog';
import { selectBackend } from '../../src/ml/backend';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { buildModel, restoreFrom } from '../../src/core/training/rebuild';
import { tf } from '../../src/ml/tf';
import type { RunConfig } from '../../src/shared/config';

/** The run's model, built for its data set and set to the checkpoint. */
export function rebuild(config: RunConfig, datasetsRoot: string, checkpointPath: string, sha256?: string): BuiltModel {
  const dataset = new DatasetCatalog(datasetsRoot).open(config.dataset);
  const model = buildModel(config, dataset);
  restoreFrom(model, readCheckpoint(checkpointPath, sha256));
  return model;
}

/** decode(z) (with one-hot labels for a conditional model), each value as Math.round(255 · clip(v, 0, 1)), per row. */
export function ownDecoding(model: BuiltModel, z: number[][], labels?: { of: number[]; classes: number }): Uint8Array[] {
  const dim = z[0]?.length ?? 0;
  const values = tf.tidy(() => {
    const oneHot = labels ? tf.cast(tf.oneHot(tf.tensor1d(labels.of, 'int32'), labels.classes), 'float32') : undefined;
    return model.decode!(tf.tensor2d(z.flat(), [z.length, dim]), oneHot).dataSync() as Float32Array;
  });
  const bytes = Uint8Array.from(values, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
  const size = bytes.length / z.length;
  return z.map((_, i) => bytes.subarray(i * size, (i + 1) * size));
}

/** What to rebuild (the first argument, as JSON), so that the child loads tfjs and the model before it is asked. */
interface Setup {
  config: RunConfig;
  datasetsRoot: string;
  checkpointPath: string;
}

/** What to decode (stdin, as JSON, once the caller knows it). */
interface Request {
  z: number[][];
  labels?: { of: number[]; classes: number };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const setup = JSON.parse(process.argv[2] ?? '{}') as Setup;
  await selectBackend(setup.config.backend ?? 'auto');
  const model = rebuild(setup.config, setup.datasetsRoot, setup.checkpointPath);
  const request = JSON.parse(readFileSync(0, 'utf8')) as Request;
  const rows = ownDecoding(model, request.z, request.labels);
  process.stdout.write(
    `${JSON.stringify({ backend: tf.getBackend(), pixels: rows.map((r) => Buffer.from(r).toString('base64')) })}\n`,
  );
  // wasm's thread pool would keep the process alive.
  process.exit(0);
}
