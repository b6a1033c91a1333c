import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricPoint } from '../shared/api';
import type { Environment } from '../shared/runs';
import { ruleSplit, type RunConfig } from '../shared/config';
import { ApiError } from './errors';
import { writeWhole, type OutFolderOptions } from './out-folder';
import { listCheckpoints, type StoredCheckpoint } from './store/checkpoints';
import type { Db } from './store/db';
import { metricAt, readMetrics } from './store/metrics';
import { CheckpointError, readCheckpoint } from './training/checkpoint';
import type { Orchestrator } from './training/orchestrator';
import type { DatasetLocations } from './training/protocol';
import { getRun, stoppedEarlyOf, type ResumePoint } from './store/runs';
import { bestCheckpoint } from './training/checkpoint-policy';
import { epochsBeforeRules } from '../families/run-config';
import { studioVersion } from './version';
import { npyBytes } from './datasets/npy';
import { latestCompletedPrior, type PriorResult } from './store/priors';
import { getJob } from './store/jobs';

/** Metrics as CSV, one row per run, split, name, step: what any plotting tool reads. */
export function metricsCsv(runId: number, points: readonly MetricPoint[]): string {
  const rows = points.map((p) => `${runId},${p.split},${p.name},${p.step},${p.epoch},${p.value}`);
  return `run_id,split,name,step,epoch,value\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
}

/** A checkpoint that verifies (or none), why those before it were passed over, and the metric it is best by if so. */
type Found = { from: ResumePoint | null; skipped: string[]; bestBy?: string };

/** The first of `candidates` (checkpoint rows) that verifies, and why each before it was skipped. */
function firstThatVerifies(candidates: readonly StoredCheckpoint[]): Found {
  const skipped: string[] = [];
  for (const c of candidates) {
    try {
      readCheckpoint(c.path, c.sha256);
      return { from: { path: c.path, sha256: c.sha256, epoch: c.epoch, step: c.step }, skipped };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      skipped.push(e.message);
    }
  }
  return { from: null, skipped };
}

/** The newest checkpoint of a run that verifies (null when none does), and why each newer one was skipped. */
export function newestGoodCheckpoint(db: Db, runId: number): Found {
  return firstThatVerifies(listCheckpoints(db, runId));
}

/** A run's checkpoints, and the best of them by `keepBest` when early stopping ended it and it keeps its best. */
function checkpointsAndBest(db: Db, runId: number) {
  const all = listCheckpoints(db, runId);
  const config = stoppedEarlyOf(db, runId) ? getRun(db, runId)?.config : undefined;
  const keepBest = config?.training.checkpoints?.keepBest;
  const best =
    config && keepBest
      ? bestCheckpoint(
          all,
          keepBest,
          (step) => metricAt(db, runId, ruleSplit(config.dataset), keepBest.metric, step),
          epochsBeforeRules(config, keepBest.metric),
        )
      : undefined;
  return { all, best: best && keepBest ? { checkpoint: best, metric: keepBest.metric } : undefined };
}

/**
 * The checkpoint that export, evaluations, the explorer and priors use when none is named: for a run that early
 * stopping ended and that keeps its best checkpoint (`keepBest`), that one; else the newest that verifies.
 */
export function defaultCheckpoint(db: Db, runId: number): Found {
  const { all, best } = checkpointsAndBest(db, runId);
  const chosen = firstThatVerifies(best ? [best.checkpoint] : []);
  if (chosen.from && best) return { ...chosen, bestBy: best.metric };
  const newest = firstThatVerifies(all);
  return { from: newest.from, skipped: [...chosen.skipped, ...newest.skipped] };
}

/**
 * What `defaultCheckpoint` names, cheaply enough for a run's page: its epoch, and the metric it is best by (null for
 * the newest). A checkpoint whose file is gone or not of its recorded size is passed over, as verifying it would;
 * one of the right size whose hash fails is found out only when it is used.
 */
export function defaultEpoch(db: Db, runId: number): { epoch: number; bestBy: string | null } | null {
  const { all, best } = checkpointsAndBest(db, runId);
  const whole = (c: StoredCheckpoint) => {
    try {
      return statSync(c.path).size === c.sizeBytes;
    } catch {
      return false; // gone, unreadable, or on a mount that is away: not usable, as verifying it would find
    }
  };
  if (best && whole(best.checkpoint)) return { epoch: best.checkpoint.epoch, bestBy: best.metric };
  const newest = all.find(whole);
  return newest ? { epoch: newest.epoch, bestBy: null } : null;
}

/** The checkpoint a run is exported from by default (`defaultCheckpoint`), or an error naming why none verifies. */
export function lastGoodCheckpoint(db: Db, runId: number): ResumePoint {
  return usableCheckpoint(db, runId).from;
}

/** `defaultCheckpoint`, or an error naming why none verifies. */
function usableCheckpoint(db: Db, runId: number): Found & { from: ResumePoint } {
  const found = defaultCheckpoint(db, runId);
  if (!found.from) {
    const why = `run ${runId} has no usable checkpoint${found.skipped.length ? `: ${found.skipped.join('; ')}` : ''}`;
    throw new ApiError('conflict', why, [{ path: 'runId', message: why }]);
  }
  return { ...found, from: found.from };
}

/**
 * The run's learned prior, when it has one trained on the exported checkpoint: each weight as prior/<name>.npy (its
 * slashes as dots), in the order the PixelCNN takes them, and what export.json says of it. One trained on another
 * checkpoint models other codes: it is named, not written.
 */
function writePrior(db: Db, runId: number, checkpoint: ResumePoint, staging: string): { files: string[]; about?: object } {
  const prior = latestCompletedPrior(db, runId);
  if (!prior) return { files: [] };
  const result = getJob(db, prior.jobId)?.result as unknown as PriorResult | undefined;
  if (prior.checkpoint.sha256 !== checkpoint.sha256) {
    return {
      files: [],
      about: {
        job: prior.jobId,
        exported: false,
        why: `trained on the checkpoint of epoch ${prior.checkpoint.epoch}, not this one (epoch ${checkpoint.epoch}): its codes differ`,
      },
    };
  }
  let saved: ReturnType<typeof readCheckpoint>;
  try {
    saved = readCheckpoint(prior.path, prior.sha256);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return { files: [], about: { job: prior.jobId, exported: false, why: e.message } };
  }
  const dir = join(staging, 'prior');
  mkdirSync(dir);
  const files: string[] = [];
  const weights: { name: string; file: string; shape: number[] }[] = [];
  for (const w of saved.weights) {
    const file = `prior/${w.name.replaceAll('/', '.')}.npy`;
    writeFileSync(join(staging, file), npyBytes(w.values, w.shape));
    files.push(join(staging, file));
    weights.push({ name: w.name, file, shape: [...w.shape] });
  }
  return {
    files,
    about: {
      job: prior.jobId,
      exported: true,
      note:
        "a gated PixelCNN over the grid of code indices (Latent Studio's src/core/prior/pixelcnn.ts builds it from " +
        'these weights, in this order); its test NLL is in bits per position',
      figures: result?.figures ?? {},
      settings: result?.settings ?? {},
      weights,
    },
  };
}

/**
 * Writes a run out of the studio: its encoder and decoder (and any other part) as TensorFlow.js layers
 * models rebuilt in a worker from the config and its default checkpoint, the config, the metrics as CSV, and
 * `export.json`: which run and checkpoint the weights are, and what each part and array is; and the learned prior's
 * weights when it modelled that checkpoint's codes.
 * The folder is written whole or not at all (`writeWhole`), and one that holds files is refused unless `overwrite`.
 */
export async function exportRun(
  o: { db: Db; orchestrator: Orchestrator; datasets: DatasetLocations },
  run: { id: number; name?: string; experiment?: string; config: RunConfig; environment?: Environment | null },
  outDir: string,
  options: OutFolderOptions = {},
): Promise<{ outDir: string; epoch: number; files: string[] }> {
  // Which it is, as the choice itself found (the best may fail its hash, and the newest stand in for it).
  const { from: checkpoint, bestBy, skipped } = usableCheckpoint(o.db, run.id);
  return writeWhole(outDir, options, async (staging) => {
    const { files, contents } = await o.orchestrator.light.request(
      {
        type: 'export',
        config: run.config,
        checkpoint,
        outDir: staging,
        datasets: o.datasets,
        modelInput: run.environment?.modelInput,
      },
      'exported',
    );
    const configFile = join(staging, 'config.json');
    writeFileSync(configFile, `${JSON.stringify(run.config, null, 2)}\n`);
    const csv = join(staging, 'metrics.csv');
    writeFileSync(csv, metricsCsv(run.id, readMetrics(o.db, run.id)));
    const prior = writePrior(o.db, run.id, checkpoint, staging);
    const manifest = join(staging, 'export.json');
    const about = {
      format: 'latent-studio-export/1',
      run: { id: run.id, name: run.name ?? null, experiment: run.experiment ?? null, family: run.config.family },
      checkpoint: {
        epoch: checkpoint.epoch,
        step: checkpoint.step,
        sha256: checkpoint.sha256,
        chosen:
          bestBy !== undefined ? `the best by ${bestBy}, kept because early stopping ended the run` : 'the newest that verifies',
        ...(skipped.length > 0 ? { passedOver: skipped } : {}),
      },
      exported: { at: new Date().toISOString(), by: `Latent Studio ${studioVersion}` },
      parts: contents?.parts ?? {},
      arrays: contents?.arrays ?? {},
      ...(prior.about ? { prior: prior.about } : {}),
      files: {
        'config.json': "the run's config, as `latent-studio train` takes it",
        'metrics.csv': 'every metric the run logged: run_id,split,name,step,epoch,value',
        '<part>/model.json': 'a TensorFlow.js layers model with its weights.bin: tf.loadLayersModel reads it',
        '<array>.npy': 'a float32 NumPy array (numpy.load)',
        ...(prior.files.length > 0 ? { 'prior/<weight>.npy': "a weight of the learned prior (see 'prior')" } : {}),
      },
    };
    writeFileSync(manifest, `${JSON.stringify(about, null, 2)}\n`);
    return { epoch: checkpoint.epoch, files: [...files, ...prior.files, configFile, csv, manifest] };
  });
}
