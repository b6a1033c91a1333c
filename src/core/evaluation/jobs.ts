/**
 * The studio side of evaluations: checks a request, stores the evaluation, runs it in a short-lived worker and
 * stores its figures. Evaluations are jobs of the one scheduler (see `EvaluationJobs`).
 */
import { createHash } from 'node:crypto';
import { clusteringDefaults } from '../../analysis/clustering';
import { probeDefaults } from '../../analysis/probes';
import { finishedStatuses, type EvaluationKind, type EvaluationRequest, type JobState } from '../../shared/api';
import { defaultDisentanglementPoints } from '../../shared/evaluation-kinds';
import { rendererFor } from './renderer';
import type { RunConfig } from '../../shared/config';
import { familySpec } from '../../families/specs';
import type { DatasetCatalog } from '../datasets/catalog';
import { ApiError } from '../errors';
import type { EventHub } from '../events';
import { defaultCheckpoint } from '../export';
import { listCheckpoints } from '../store/checkpoints';
import type { Db } from '../store/db';
import {
  getEvaluation,
  readBaseline,
  storeBaseline,
  type EvaluationJobRequest,
  type EvaluationResults,
} from '../store/evaluations';
import { finishJob, insertJob, recordJobProgress, type JobRecord } from '../store/jobs';
import type { JobKindHandler } from '../jobs/job-kind';
import { getRun, type ResumePoint } from '../store/runs';
import { CheckpointError, readCheckpoint } from '../training/checkpoint';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations, FromWorker, PixelBaselines, TestLatents, ToWorker } from '../training/protocol';

export const defaultNllSamples = 100;
/** Training points of the β-VAE and FactorVAE scores by default (disentanglement_lib's study: 10,000; see EvaluationRequest). */
export const defaultScorePoints = 1000;

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

/**
 * The checkpoint of `epoch` that verifies, or the run's default (`defaultCheckpoint`: its best epoch when early
 * stopping ended it, else the newest that verifies); refused naming the field when there is none.
 */
export function checkpointFor(db: Db, runId: number, epoch: number | undefined): ResumePoint {
  if (epoch === undefined) {
    const { from, skipped } = defaultCheckpoint(db, runId);
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
      `${who} is a model of family ${config.family}, which has no encoder giving one code per image: it cannot be evaluated`,
    );
  }
  if (what.includes('nll')) {
    if (!spec?.evaluation?.likelihood) {
      refuse('bad_request', 'what', `nll needs a family with a likelihood (a VAE); ${who} is a model of family ${config.family}`);
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
      refuse('bad_request', 'what', `disentanglement needs a data set with known factors (shapes, faces); ${info.name} has none`);
    }
    // A twin pair is opened as one set of two identities, which has no factors of its own.
    if (kind === 'disentanglement' && config.dataset.second !== undefined) {
      refuse(
        'bad_request',
        'what',
        `disentanglement needs a data set with known factors; ${who} trained on a pair of sets (${config.dataset.name} and ${config.dataset.second}), which together have none`,
      );
    }
    // Without a generator to draw images from (a selection of classes), scored on the run's test images: a factor
    // must vary among them (a test split of one image, a selection of one kind). Read where the set is stored (a
    // default one not drawn yet has its whole test split).
    if (kind === 'disentanglement' && info?.stored && !rendererFor(config, datasets) && !testFactorVaries(datasets, config)) {
      refuse(
        'bad_request',
        'what',
        `disentanglement needs a factor that varies among ${who}'s test images, and none does in the ${datasets.open(config.dataset).test.count} of ${info.name} it tests on`,
      );
    }
  }
}

/** Whether some generator factor takes two values among the run's test images. */
function testFactorVaries(datasets: DatasetCatalog, config: RunConfig): boolean {
  const { factors, count } = datasets.open(config.dataset).test;
  if (!factors || count < 2) return false;
  const dim = factors.length / count;
  for (let i = 1; i < count; i++) for (let f = 0; f < dim; f++) if (factors[i * dim + f] !== factors[f]) return true;
  return false;
}

/**
 * Evaluations of one studio: checked when asked for, then jobs of the one scheduler (queued under its limit with the
 * training runs, first asked first run, each in a worker of its own). One left by a studio that stopped waits again
 * and runs from its start in the next: its request holds everything it needs, and its figures depend only on it.
 */
export class EvaluationJobs implements JobKindHandler<'evaluated'> {
  readonly kind = 'evaluate' as const;
  readonly answer = 'evaluated' as const;
  readonly #abort = new AbortController();

  constructor(
    private readonly o: {
      db: Db;
      orchestrator: Orchestrator;
      events: EventHub;
      datasets: DatasetCatalog;
      locations: DatasetLocations;
    },
  ) {
    o.orchestrator.registerJobKind(this);
  }

  private requireStoppedRun(runId: number) {
    const run = getRun(this.o.db, runId);
    if (!run) return refuse('not_found', 'runId', `run ${runId} does not exist`);
    if (!finishedStatuses.includes(run.status))
      refuse('conflict', 'runId', `run ${runId} is ${run.status}: evaluate it once it has stopped`);
    return run;
  }

  /** Checks the request, stores the evaluation as a queued job and lets the scheduler start it. */
  start(request: EvaluationRequest): number {
    const run = this.requireStoppedRun(request.runId);
    const what = [...new Set(request.what)];
    checkKinds(run.config, `run ${run.id}`, what, this.o.datasets);
    const checkpoint = checkpointFor(this.o.db, run.id, request.epoch);
    const nllSamples = request.nllSamples ?? defaultNllSamples;
    const scorePoints = request.scorePoints ?? defaultScorePoints;
    // null asks for the test split; a set without a generator is scored on it whatever is asked.
    const disentanglementPoints = rendererFor(run.config, this.o.datasets)
      ? request.disentanglementPoints === null
        ? null
        : (request.disentanglementPoints ?? defaultDisentanglementPoints)
      : null;
    const job: EvaluationJobRequest = {
      what,
      seed: request.seed ?? 0,
      epoch: checkpoint.epoch,
      nllSamples,
      scorePoints,
      disentanglementPoints,
      settings: {
        what,
        ...(what.includes('nll') ? { nllSamples } : {}),
        ...(what.includes('disentanglement') ? { scorePoints, disentanglementPoints } : {}),
        checkpoint: { epoch: checkpoint.epoch, step: checkpoint.step },
      },
    };
    const id = insertJob(this.o.db, 'evaluate', run.id, { ...job });
    this.emit(id, run.id, 'queued', null);
    this.o.orchestrator.schedule();
    return id;
  }

  private emit(evaluationId: number, runId: number, status: JobState, error: string | null, figures = {}): void {
    this.o.events.emit('evaluation.status', { evaluationId, runId, status, error, figures });
  }

  announce(job: JobRecord, state: JobState, error: string | null): void {
    this.emit(job.id, job.runId, state, error);
  }

  /** The keys of the raw-pixel baselines this evaluation shares with every other on the same images and seed. */
  private baselineKeys(config: RunConfig, seed: number) {
    // A stored set's content hash; a built-in set (the IDX files of a package) by its source and size.
    const info = this.o.datasets.info(config.dataset.name);
    const hash = info?.hash ?? (info?.kind === 'builtin' && info.available ? `${info.source}; ${info.sizeBytes} bytes` : null);
    return { clustering: baselineKey('clustering', config, hash, seed), probe: baselineKey('probe', config, hash, seed) };
  }

  message(job: JobRecord): ToWorker {
    const request = job.request as unknown as EvaluationJobRequest;
    const run = getRun(this.o.db, job.runId);
    if (!run) throw new Error(`run ${job.runId} is gone`);
    const keys = this.baselineKeys(run.config, request.seed);
    const baselines: PixelBaselines = {};
    for (const kind of ['clustering', 'probe'] as const) {
      const key = keys[kind];
      const known = key && request.what.includes(kind) ? readBaseline(this.o.db, key) : undefined;
      if (known) baselines[kind] = known;
    }
    return {
      type: 'evaluate',
      config: run.config,
      checkpoint: checkpointFor(this.o.db, run.id, request.epoch),
      datasets: this.o.locations,
      what: request.what,
      seed: request.seed,
      nllSamples: request.nllSamples ?? defaultNllSamples,
      scorePoints: request.scorePoints ?? defaultScorePoints,
      // A job queued before the choice keeps what it was queued for: the test split.
      disentanglementPoints: request.disentanglementPoints ?? null,
      baselines,
    };
  }

  /** A step begun: kept on the job (a window opened now shows it) and told (`evaluation.step`). */
  progress(job: JobRecord, m: FromWorker): void {
    if (m.type !== 'evaluationStep') return;
    recordJobProgress(this.o.db, job.id, { step: m.step });
    this.o.events.emit('evaluation.step', { evaluationId: job.id, runId: job.runId, step: m.step });
  }

  complete(job: JobRecord, answer: Extract<FromWorker, { type: 'evaluated' }>): void {
    const request = job.request as unknown as EvaluationJobRequest;
    const config = getRun(this.o.db, job.runId)?.config;
    const keys = config ? this.baselineKeys(config, request.seed) : { clustering: null, probe: null };
    for (const kind of ['clustering', 'probe'] as const) {
      const fresh = answer.baselines[kind];
      const key = keys[kind];
      if (fresh && key) storeBaseline(this.o.db, key, kind, fresh);
    }
    const settings = { what: request.what, checkpoint: request.settings['checkpoint'], ...answer.settings };
    const result: EvaluationResults = { figures: answer.figures, details: answer.details, settings };
    if (finishJob(this.o.db, job.id, { state: 'completed', result: { ...result } })) {
      this.emit(job.id, job.runId, 'completed', null, answer.figures);
    }
  }

  /** Settles when the evaluation has ended and its outcome is stored (at once for one not held here). */
  whenEnded(evaluationId: number): Promise<void> {
    return this.o.orchestrator.jobs.whenEnded(evaluationId);
  }

  /** The codes of a stopped run's test split at a checkpoint, with its labels and factors (for `export --latents`). */
  async latents(runId: number, epoch?: number): Promise<{ epoch: number; latents: TestLatents }> {
    const run = this.requireStoppedRun(runId);
    if (familySpec(run.config.family)?.evaluation?.codes === false) {
      refuse(
        'bad_request',
        'runId',
        `run ${runId} is a model of family ${run.config.family}, which has no encoder giving one code per image`,
      );
    }
    const checkpoint = checkpointFor(this.o.db, runId, epoch);
    const answer = await this.o.orchestrator.light.request(
      { type: 'latents', config: run.config, checkpoint, datasets: this.o.locations },
      'latents',
      this.#abort.signal,
    );
    return { epoch: checkpoint.epoch, latents: answer.latents };
  }

  get(evaluationId: number) {
    return getEvaluation(this.o.db, evaluationId);
  }

  /** Abandons this studio's requests for test codes (the scheduler requeues the evaluations themselves). */
  close(): void {
    this.#abort.abort();
  }
}
