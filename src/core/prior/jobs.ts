/**
 * The studio side of learned priors and sampling. A prior is a second stage of a VQ-VAE run: a PixelCNN over its
 * grid of code indices, trained as a job of the one scheduler (see `PriorJobs`), its figures, metrics (split 'prior'), samples artifact and checkpoint kept with the run.
 * Sampling rebuilds a run's model (and its prior) in a one-shot worker and answers PNGs.
 */
import { join } from 'node:path';
import { finishedStatuses } from '../../shared/api';
import type { Prior, SampleSet } from '../../shared/prior';
import { familySpec, registeredFamilySpecs } from '../../families/specs';
import { ApiError } from '../errors';
import type { DatasetCatalog } from '../datasets/catalog';
import type { EventHub } from '../events';
import { checkpointFor } from '../evaluation/jobs';
import { insertArtifact } from '../store/artifacts';
import type { Db } from '../store/db';
import { completePrior, latestCompletedPrior, latestPrior, type PriorJobRequest } from '../store/priors';
import { getJob, insertJob, latestJob, recordJobProgress, type JobRecord } from '../store/jobs';
import type { JobKindHandler } from '../jobs/job-kind';
import type { JobState } from '../../shared/jobs';
import { getRun } from '../store/runs';
import { CheckpointError, readCheckpoint } from '../training/checkpoint';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations, FromWorker, ToWorker } from '../training/protocol';
import type { PriorEpoch, SampleSource } from './messages';
import { pixelCnnDefaults, priorMemoryIssue, priorTrainingDefaults } from './pixelcnn';

/** How a family's runs are sampled, as its spec declares (`sampling`); undefined: no generative prior. */
const samplingOf = (family: string) => familySpec(family)?.sampling;

function refuse(code: 'bad_request' | 'conflict' | 'not_found', path: string, message: string): never {
  throw new ApiError(code, `${path}: ${message}`, [{ path, message }]);
}

/**
 * Learned priors as jobs of the one scheduler (queued under its limit with the training runs, each in a worker of its
 * own). One left by a studio that stopped waits again and trains from its start in the next, with the same seed.
 */
export class PriorJobs implements JobKindHandler<'priorTrained'> {
  readonly kind = 'prior' as const;
  readonly answer = 'priorTrained' as const;
  readonly #abort = new AbortController();

  constructor(
    private readonly o: {
      db: Db;
      orchestrator: Orchestrator;
      events: EventHub;
      datasets: DatasetCatalog;
      locations: DatasetLocations;
      checkpointDir: string;
    },
  ) {
    o.orchestrator.registerJobKind(this);
  }

  private emit(
    jobId: number,
    runId: number,
    status: Prior['status'],
    error: string | null,
    epochs: number,
    epoch: number | null = null,
    figures: Record<string, number> = {},
  ): void {
    this.o.events.emit('prior.status', { jobId, runId, status, error, epoch, epochs, figures });
  }

  announce(job: JobRecord, state: JobState, error: string | null): void {
    this.emit(job.id, job.runId, state, error, (job.request as unknown as PriorJobRequest).epochs);
  }

  private requireRun(runId: number) {
    const run = getRun(this.o.db, runId);
    if (!run) return refuse('not_found', 'runId', `run ${runId} does not exist`);
    return run;
  }

  /** A run of a family sampled from a learned prior (the VQ-VAE); any other is refused naming the run and its family. */
  private requireVqVae(runId: number) {
    const run = this.requireRun(runId);
    if (samplingOf(run.config.family) !== 'learned-prior') {
      refuse(
        'bad_request',
        'runId',
        `run ${runId} is a model of family ${run.config.family}: a learned prior models a discrete code grid (a vq-vae run's), which it has none of`,
      );
    }
    return run;
  }

  /** Checks the request, stores the prior as a queued job and lets the scheduler start it. */
  start(request: { runId: number; epochs?: number | undefined; seed?: number | undefined }): number {
    const run = this.requireVqVae(request.runId);
    if (!finishedStatuses.includes(run.status))
      refuse('conflict', 'runId', `run ${run.id} is ${run.status}: train its prior once it has stopped`);
    // Its memory, from the config's code grid: refused now, not in its worker.
    const grid = familySpec(run.config.family)?.codeGrid?.(run.config.model);
    const tooLarge = grid && priorMemoryIssue(grid.grid[0], grid.grid[1], grid.codebookSize, grid.codebooks ?? 1);
    if (tooLarge) refuse('bad_request', 'runId', `run ${run.id}: ${tooLarge}`);
    const checkpoint = checkpointFor(this.o.db, run.id, undefined);
    const epochs = request.epochs ?? priorTrainingDefaults.epochs;
    const seed = request.seed ?? 0;
    const job: PriorJobRequest = {
      epochs,
      seed,
      checkpoint,
      settings: {
        architecture: { kind: 'gated PixelCNN (vertical and horizontal stacks)', ...pixelCnnDefaults },
        training: { ...priorTrainingDefaults, epochs, seed },
      },
    };
    const id = insertJob(this.o.db, 'prior', run.id, { ...job });
    this.emit(id, run.id, 'queued', null, epochs);
    this.o.orchestrator.schedule();
    return id;
  }

  message(job: JobRecord): ToWorker {
    const request = job.request as unknown as PriorJobRequest;
    const run = getRun(this.o.db, job.runId);
    if (!run) throw new Error(`run ${job.runId} is gone`);
    return {
      type: 'prior',
      config: run.config,
      checkpoint: request.checkpoint,
      datasets: this.o.locations,
      outDir: join(this.o.checkpointDir, `run-${run.id}`),
      fileName: `prior-${job.id}.lsckpt`,
      epochs: request.epochs,
      seed: request.seed,
    };
  }

  /** Each epoch's figures: kept with the job (its curve so far) and told. */
  progress(job: JobRecord, m: FromWorker): void {
    if (m.type !== 'priorEpoch') return;
    const { type: _type, ...figures } = m;
    const curve = [...((getJob(this.o.db, job.id)?.progress?.['curve'] ?? []) as PriorEpoch[]), figures];
    recordJobProgress(this.o.db, job.id, { curve });
    const epochs = (job.request as unknown as PriorJobRequest).epochs;
    this.emit(job.id, job.runId, 'running', null, epochs, m.epoch, { nll_bits: m.testNllBits, train_nll_bits: m.trainNllBits });
  }

  complete(job: JobRecord, answer: Extract<FromWorker, { type: 'priorTrained' }>): void {
    const { path, sha256, sizeBytes } = answer.checkpoint;
    const result = { figures: answer.figures, curve: answer.curve, settings: answer.settings, file: { path, sha256, sizeBytes } };
    if (!completePrior(this.o.db, job, result)) return;
    this.o.events.emit('run.artifact', insertArtifact(this.o.db, job.runId, answer.samples));
    const epochs = (job.request as unknown as PriorJobRequest).epochs;
    this.emit(job.id, job.runId, 'completed', null, epochs, epochs, answer.figures);
  }

  /** Settles when the prior job has ended and its outcome is stored (at once for one not held here). */
  whenEnded(jobId: number): Promise<void> {
    return this.o.orchestrator.jobs.whenEnded(jobId);
  }

  /** The run's newest prior, null when it has none; refused for a run that is not a VQ-VAE. */
  get(runId: number): Prior | null {
    this.requireVqVae(runId);
    const prior = latestPrior(this.o.db, runId);
    if (!prior) return null;
    // What sampling uses (latestCompletedPrior): not the newest when that one is training, failed or was cancelled.
    const job = latestJob(this.o.db, runId, 'prior', 'completed');
    const nll = (job?.result as { figures?: Record<string, number> } | null)?.figures?.['nll_bits'];
    return { ...prior, samplesFrom: job ? { jobId: job.id, nllBits: nll ?? null } : null };
  }

  /**
   * `n` samples of a run's model (n per class for the CVAE, or of one class), decoded in a one-shot worker at the
   * newest checkpoint (a VQ-VAE's: the one its prior was trained on). Refused, naming the run and its family, for a
   * family with no generative prior and a VQ-VAE without a learned one.
   */
  async sample(request: {
    runId: number;
    n: number;
    seed?: number | undefined;
    class?: number | undefined;
    temperature?: number | undefined;
  }): Promise<SampleSet> {
    const run = this.requireRun(request.runId);
    const family = run.config.family;
    const seed = request.seed ?? 0;
    const who = `run ${run.id}`;
    const sampling = samplingOf(family);
    if (request.class !== undefined && sampling !== 'conditional') {
      refuse('bad_request', 'class', `${who} is a model of family ${family}: only a cvae is conditioned on a class`);
    }
    if (request.temperature !== undefined && sampling !== 'learned-prior') {
      refuse(
        'bad_request',
        'temperature',
        `${who} is a model of family ${family}: a temperature applies to a learned prior’s codes (a VQ-VAE’s PixelCNN)`,
      );
    }
    let source: SampleSource;
    let checkpoint;
    let priorJobId: number | null = null;
    if (sampling === 'learned-prior') {
      const prior = latestCompletedPrior(this.o.db, run.id);
      if (!prior) {
        refuse(
          'conflict',
          'runId',
          `${who} is a model of family ${family} without a learned prior: train one first (latent-studio prior ${run.id}, or prior.start); ` +
            'samples of uniform codes would be noise',
        );
      }
      const read = (path: string, sha: string, what: string) => {
        try {
          return readCheckpoint(path, sha);
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
          return refuse('conflict', 'runId', `${who}: ${what} cannot be used (${e.message}); train the prior again`);
        }
      };
      read(
        prior.checkpoint.path,
        prior.checkpoint.sha256,
        `the checkpoint of epoch ${prior.checkpoint.epoch} its prior was trained on`,
      );
      const saved = read(prior.path, prior.sha256, 'its learned prior’s checkpoint');
      // A prior of one masked stack (before the gated PixelCNN) has weights the studio no longer builds.
      const shape = (saved.family as { pixelcnn?: { stacks?: string } }).pixelcnn;
      if (shape?.stacks !== 'vertical+horizontal') {
        refuse(
          'conflict',
          'runId',
          `${who}: its learned prior (job ${prior.jobId}) was trained by an earlier version of the studio (one stack of masked convolutions, which has a blind spot); train the prior again`,
        );
      }
      source = { kind: 'prior', prior: { path: prior.path, sha256: prior.sha256 }, temperature: request.temperature ?? 1 };
      checkpoint = prior.checkpoint;
      priorJobId = prior.jobId;
    } else if (sampling === 'gaussian' || sampling === 'conditional' || sampling === 'vamp') {
      const latentSize = (run.config.model as { latentSize?: number }).latentSize;
      if (!latentSize) refuse('bad_request', 'runId', `${who} has no latent size to sample z from`);
      checkpoint = checkpointFor(this.o.db, run.id, undefined);
      if (sampling === 'conditional') {
        const known = this.classesOf(run.config.dataset);
        if (request.class !== undefined && !known.includes(request.class))
          refuse('bad_request', 'class', `${who} was trained on classes ${known.join(', ')}; there is no class ${request.class}`);
        source = { kind: 'conditional', latentSize, classes: request.class !== undefined ? [request.class] : known };
      } else source = { kind: sampling, latentSize };
    } else {
      return refuse(
        'bad_request',
        'runId',
        `${who} is a model of family ${family}, which has no generative prior to sample from (these families have one: ${registeredFamilySpecs()
          .filter((s) => s.sampling)
          .map((s) => `${s.id}, ${s.sampling}`)
          .join('; ')})`,
      );
    }
    const answer = await this.o.orchestrator.light.request(
      { type: 'sample', config: run.config, checkpoint, datasets: this.o.locations, n: request.n, seed, source },
      'sampled',
      this.#abort.signal,
    );
    return {
      runId: run.id,
      family,
      source: answer.ownPrior ? 'mixture' : source.kind,
      epoch: checkpoint.epoch,
      seed,
      priorJobId,
      ...(source.kind === 'prior' ? { temperature: source.temperature } : {}),
      width: answer.width,
      height: answer.height,
      channels: answer.channels,
      samples: answer.pngs.map((png, i) => ({ png: Buffer.from(png).toString('base64'), label: answer.labels[i] ?? null })),
    };
  }

  /** The label values a run trained on: identities A and B (0, 1) of a pair of sets, the classes it chose, else every label of its data set. */
  private classesOf(dataset: { name: string; second?: string | undefined; classes?: number[] | undefined }): number[] {
    if (dataset.second !== undefined) return [0, 1];
    if (dataset.classes) return [...dataset.classes].sort((a, b) => a - b);
    return Array.from({ length: this.o.datasets.info(dataset.name)?.classes ?? 0 }, (_, c) => c);
  }

  /** Abandons this studio's sample requests (the scheduler requeues the priors themselves). */
  close(): void {
    this.#abort.abort();
  }
}
