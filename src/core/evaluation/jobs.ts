/**
 * The studio side of evaluations: checks a request, stores the evaluation, runs it in a short-lived worker and
 * stores its figures. Evaluations of one studio run one at a time, first in, first out, each in its own worker
 * beside the training runs (see `EvaluationJobs`).
 */
import { createHash } from 'node:crypto';
import { clusteringDefaults } from '../../analysis/clustering';
import { probeDefaults } from '../../analysis/probes';
import { finishedStatuses, type EvaluationKind, type EvaluationRequest } from '../../shared/api';
import type { RunConfig } from '../../shared/config';
import { familySpec } from '../../families/specs';
import type { DatasetCatalog } from '../datasets/catalog';
import { ApiError } from '../errors';
import type { EventHub } from '../events';
import { newestGoodCheckpoint } from '../export';
import { listCheckpoints } from '../store/checkpoints';
import type { Db } from '../store/db';
import {
  failOrphanedEvaluations,
  failOwnEvaluations,
  finishEvaluation,
  getEvaluation,
  insertEvaluation,
  markEvaluationRunning,
  readBaseline,
  storeBaseline,
} from '../store/evaluations';
import { getRun, type ResumePoint } from '../store/runs';
import { CheckpointError, readCheckpoint } from '../training/checkpoint';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations, PixelBaselines, TestLatents } from '../training/protocol';

export const defaultNllSamples = 100;
/** Training points of the β-VAE and FactorVAE scores by default (disentanglement_lib's study: 10,000; see EvaluationRequest). */
export const defaultScorePoints = 1000;
const studioStoppedReason = 'the studio stopped before the evaluation ended';

/** Bumped when the pixel baselines' computation changes, so that figures kept from before are not reused. */
const baselineVersion = 1;

/**
 * What a raw-pixel baseline depends on: the images (the data set's content hash and the run's choice of subsets and
 * classes), the kind with its settings, and the seed. Not the model: evaluations of any run on the same images share it.
 */
function baselineKey(kind: 'clustering' | 'probe', config: RunConfig, datasetHash: string | null, seed: number): string | null {
  if (datasetHash === null) return null;
  const settings = kind === 'clustering' ? clusteringDefaults : probeDefaults;
  const { name, trainSubset, testSubset, classes } = config.dataset;
  const identity = { baselineVersion, kind, settings, seed, dataset: { name, datasetHash, trainSubset, testSubset, classes } };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

function refuse(code: 'bad_request' | 'conflict' | 'not_found', path: string, message: string): never {
  throw new ApiError(code, `${path}: ${message}`, [{ path, message }]);
}

/** The checkpoint of `epoch` that verifies, or the newest that does; refused naming the field when there is none. */
export function checkpointFor(db: Db, runId: number, epoch: number | undefined): ResumePoint {
  if (epoch === undefined) {
    const { from, skipped } = newestGoodCheckpoint(db, runId);
    if (!from)
      refuse('conflict', 'runId', `run ${runId} has no usable checkpoint${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
    return from;
  }
  const all = listCheckpoints(db, runId);
  const problems: string[] = [];
  for (const c of all.filter((c) => c.epoch === epoch)) {
    try {
      readCheckpoint(c.path, c.sha256);
      return { path: c.path, sha256: c.sha256, epoch: c.epoch, step: c.step };
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      problems.push(e.message);
    }
  }
  const kept = [...new Set(all.map((c) => c.epoch))].sort((a, b) => a - b);
  return refuse(
    'bad_request',
    'epoch',
    problems.length > 0
      ? `the checkpoint of epoch ${epoch} of run ${runId} does not verify (${problems.join('; ')})`
      : `run ${runId} has no checkpoint of epoch ${epoch}${kept.length ? ` (it keeps epochs ${kept.join(', ')})` : ' (it has none)'}`,
  );
}

/** What the run's family and data set allow; each refusal names `what` and says why. */
/** Refuses kinds that do not apply to a run's family or data set, naming `what`; `who` names the run in the message. */
export function checkKinds(config: RunConfig, who: string, what: readonly EvaluationKind[], datasets: DatasetCatalog): void {
  const spec = familySpec(config.family);
  const codes = spec?.evaluation?.codes ?? true;
  const coded = what.filter((w) => w !== 'nll');
  if (!codes && what.length > 0) {
    refuse(
      'bad_request',
      'what',
      `${who} is a ${config.family} model, which has no encoder giving one code per image: it cannot be evaluated`,
    );
  }
  if (what.includes('nll')) {
    if (!spec?.evaluation?.likelihood) {
      refuse('bad_request', 'what', `nll needs a family with a likelihood (a VAE); ${who} is a ${config.family} model`);
    }
    if (config.training.loss === 'smoothL1') {
      refuse(
        'bad_request',
        'what',
        `nll needs a likelihood p(x|z); ${who} was trained with training.loss smoothL1, which implies none (bce, mse and mae do)`,
      );
    }
  }
  const info = datasets.info(config.dataset.name);
  for (const kind of coded) {
    if ((kind === 'clustering' || kind === 'probe') && info && info.classes === 0) {
      refuse('bad_request', 'what', `${kind} needs labels, and ${who}'s data set ${info.name} has none`);
    }
    if (kind === 'disentanglement' && info && info.factors.length === 0) {
      refuse(
        'bad_request',
        'what',
        `disentanglement needs a data set with known factors (shapes, faces, an import with factors); ${info.name} has none`,
      );
    }
  }
}

/**
 * Evaluation jobs of one studio. They run one at a time, each as a one-shot request in its own worker, beside the
 * training runs rather than under the scheduler's limit: an evaluation is short and asked for by hand, and the
 * scheduler's queue is the runs table's. Their state is in the database; one left active by a studio that died
 * fails with the reason when a studio next opens the database.
 */
export class EvaluationJobs {
  readonly #abort = new AbortController();
  readonly #ended = new Map<number, Promise<void>>();
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      db: Db;
      orchestrator: Orchestrator;
      events: EventHub;
      datasets: DatasetCatalog;
      locations: DatasetLocations;
    },
  ) {
    for (const e of failOrphanedEvaluations(o.db, 'the studio that ran it stopped before it ended')) {
      o.events.emit('evaluation.status', {
        evaluationId: e.id,
        runId: e.runId,
        status: 'failed',
        error: 'the studio that ran it stopped before it ended',
        figures: {},
      });
    }
  }

  private requireStoppedRun(runId: number) {
    const run = getRun(this.o.db, runId);
    if (!run) return refuse('not_found', 'runId', `run ${runId} does not exist`);
    if (!finishedStatuses.includes(run.status))
      refuse('conflict', 'runId', `run ${runId} is ${run.status}: evaluate it once it has stopped`);
    return run;
  }

  /** Checks the request, stores the evaluation as queued and starts it when the one before it ends. */
  start(request: EvaluationRequest): number {
    const run = this.requireStoppedRun(request.runId);
    const what = [...new Set(request.what)];
    checkKinds(run.config, `run ${run.id}`, what, this.o.datasets);
    const checkpoint = checkpointFor(this.o.db, run.id, request.epoch);
    const seed = request.seed ?? 0;
    const nllSamples = request.nllSamples ?? defaultNllSamples;
    const scorePoints = request.scorePoints ?? defaultScorePoints;
    const id = insertEvaluation(this.o.db, {
      runId: run.id,
      what,
      settings: {
        what,
        ...(what.includes('nll') ? { nllSamples } : {}),
        ...(what.includes('disentanglement') ? { scorePoints } : {}),
        checkpoint: { epoch: checkpoint.epoch, step: checkpoint.step },
      },
      seed,
      epoch: checkpoint.epoch,
    });
    const emit = (status: 'queued' | 'running' | 'completed' | 'failed', error: string | null, figures = {}) =>
      this.o.events.emit('evaluation.status', { evaluationId: id, runId: run.id, status, error, figures });
    emit('queued', null);
    const job = this.#chain.then(async () => {
      if (this.#abort.signal.aborted) return;
      markEvaluationRunning(this.o.db, id);
      emit('running', null);
      try {
        // A stored set's content hash; a built-in set (the IDX files of a package) by its source and size.
        const info = this.o.datasets.info(run.config.dataset.name);
        const hash =
          info?.hash ?? (info?.kind === 'builtin' && info.available ? `${info.source}; ${info.sizeBytes} bytes` : null);
        const keys = {
          clustering: baselineKey('clustering', run.config, hash, seed),
          probe: baselineKey('probe', run.config, hash, seed),
        };
        const baselines: PixelBaselines = {};
        for (const kind of ['clustering', 'probe'] as const) {
          const key = keys[kind];
          const known = key && what.includes(kind) ? readBaseline(this.o.db, key) : undefined;
          if (known) baselines[kind] = known;
        }
        const answer = await this.o.orchestrator.request(
          {
            type: 'evaluate',
            config: run.config,
            checkpoint,
            datasets: this.o.locations,
            what,
            seed,
            nllSamples,
            scorePoints,
            baselines,
          },
          'evaluated',
          this.#abort.signal,
        );
        if (this.#abort.signal.aborted) return;
        for (const kind of ['clustering', 'probe'] as const) {
          const fresh = answer.baselines[kind];
          const key = keys[kind];
          if (fresh && key) storeBaseline(this.o.db, key, kind, fresh);
        }
        const settings = { what, checkpoint: { epoch: checkpoint.epoch, step: checkpoint.step }, ...answer.settings };
        const results = { figures: answer.figures, details: answer.details };
        if (finishEvaluation(this.o.db, id, { status: 'completed', results, settings })) {
          emit('completed', null, answer.figures);
        }
      } catch (e) {
        if (this.#abort.signal.aborted) return;
        const error = e instanceof Error ? e.message : String(e);
        if (finishEvaluation(this.o.db, id, { status: 'failed', error })) emit('failed', error);
      }
    });
    this.#chain = job;
    this.#ended.set(
      id,
      job.finally(() => this.#ended.delete(id)),
    );
    return id;
  }

  /** Settles when the evaluation has ended and its outcome is stored (at once for one not running here). */
  whenEnded(evaluationId: number): Promise<void> {
    return this.#ended.get(evaluationId) ?? Promise.resolve();
  }

  /** The codes of a stopped run's test split at a checkpoint, with its labels and factors (for `export --latents`). */
  async latents(runId: number, epoch?: number): Promise<{ epoch: number; latents: TestLatents }> {
    const run = this.requireStoppedRun(runId);
    if (familySpec(run.config.family)?.evaluation?.codes === false) {
      refuse(
        'bad_request',
        'runId',
        `run ${runId} is a ${run.config.family} model, which has no encoder giving one code per image`,
      );
    }
    const checkpoint = checkpointFor(this.o.db, runId, epoch);
    const answer = await this.o.orchestrator.request(
      { type: 'latents', config: run.config, checkpoint, datasets: this.o.locations },
      'latents',
      this.#abort.signal,
    );
    return { epoch: checkpoint.epoch, latents: answer.latents };
  }

  get(evaluationId: number) {
    return getEvaluation(this.o.db, evaluationId);
  }

  /** Kills the workers of this studio's evaluations; those not ended fail with the reason. */
  close(): void {
    this.#abort.abort();
    for (const e of failOwnEvaluations(this.o.db, studioStoppedReason)) {
      this.o.events.emit('evaluation.status', {
        evaluationId: e.id,
        runId: e.runId,
        status: 'failed',
        error: studioStoppedReason,
        figures: {},
      });
    }
  }
}
