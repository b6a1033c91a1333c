/**
 * The studio side of learned priors and sampling. A prior is a second stage of a VQ-VAE run: a PixelCNN over its
 * grid of code indices, trained in a short-lived worker (one at a time, first in, first out, beside the training
 * runs as evaluations are), its figures, metrics (split 'prior'), samples artifact and checkpoint kept with the run.
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
import {
  failOrphanedPriors,
  failOwnPriors,
  finishPrior,
  insertPrior,
  latestCompletedPrior,
  latestPrior,
  markPriorRunning,
  recordPriorEpoch,
} from '../store/priors';
import { getRun } from '../store/runs';
import { CheckpointError, readCheckpoint } from '../training/checkpoint';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations } from '../training/protocol';
import type { PriorEpoch, SampleSource } from './messages';
import { pixelCnnDefaults, priorTrainingDefaults } from './pixelcnn';

const studioStoppedReason = 'the studio stopped before the prior was trained';
/** How a family's runs are sampled, as its spec declares (`sampling`); undefined: no generative prior. */
const samplingOf = (family: string) => familySpec(family)?.sampling;

function refuse(code: 'bad_request' | 'conflict' | 'not_found', path: string, message: string): never {
  throw new ApiError(code, `${path}: ${message}`, [{ path, message }]);
}

export class PriorJobs {
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
      checkpointDir: string;
    },
  ) {
    for (const p of failOrphanedPriors(o.db, 'the studio that trained it stopped before it ended')) {
      this.emit(p.jobId, p.runId, 'failed', 'the studio that trained it stopped before it ended', p.epochs);
    }
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
        `run ${runId} is a ${run.config.family} model: a learned prior models a discrete code grid (a vq-vae run's), which it has none of`,
      );
    }
    return run;
  }

  /** Checks the request, stores the prior job as queued and starts it when the one before it ends. */
  start(request: { runId: number; epochs?: number | undefined; seed?: number | undefined }): number {
    const run = this.requireVqVae(request.runId);
    if (!finishedStatuses.includes(run.status))
      refuse('conflict', 'runId', `run ${run.id} is ${run.status}: train its prior once it has stopped`);
    const checkpoint = checkpointFor(this.o.db, run.id, undefined);
    const epochs = request.epochs ?? priorTrainingDefaults.epochs;
    const seed = request.seed ?? 0;
    const id = insertPrior(this.o.db, {
      runId: run.id,
      epochs,
      seed,
      checkpoint,
      settings: {
        architecture: { kind: 'gated PixelCNN', ...pixelCnnDefaults },
        training: { ...priorTrainingDefaults, epochs, seed },
      },
    });
    this.emit(id, run.id, 'queued', null, epochs);
    const job = this.#chain.then(async () => {
      if (this.#abort.signal.aborted) return;
      markPriorRunning(this.o.db, id);
      this.emit(id, run.id, 'running', null, epochs);
      const curve: PriorEpoch[] = [];
      try {
        const answer = await this.o.orchestrator.request(
          {
            type: 'prior',
            config: run.config,
            checkpoint,
            datasets: this.o.locations,
            outDir: join(this.o.checkpointDir, `run-${run.id}`),
            fileName: `prior-${id}.lsckpt`,
            epochs,
            seed,
          },
          'priorTrained',
          this.#abort.signal,
          (m) => {
            if (m.type !== 'priorEpoch') return;
            const { type: _type, ...figures } = m;
            curve.push(figures);
            recordPriorEpoch(this.o.db, id, curve);
            this.emit(id, run.id, 'running', null, epochs, m.epoch, { nll_bits: m.testNllBits, train_nll_bits: m.trainNllBits });
          },
        );
        if (this.#abort.signal.aborted) return;
        const done = finishPrior(this.o.db, id, {
          status: 'completed',
          runId: run.id,
          figures: answer.figures,
          curve: answer.curve,
          settings: answer.settings,
          checkpoint: answer.checkpoint,
        });
        if (!done) return;
        this.o.events.emit('run.artifact', insertArtifact(this.o.db, run.id, answer.samples));
        this.emit(id, run.id, 'completed', null, epochs, epochs, answer.figures);
      } catch (e) {
        if (this.#abort.signal.aborted) return;
        const error = e instanceof Error ? e.message : String(e);
        if (finishPrior(this.o.db, id, { status: 'failed', error })) this.emit(id, run.id, 'failed', error, epochs);
      }
    });
    this.#chain = job;
    this.#ended.set(
      id,
      job.finally(() => this.#ended.delete(id)),
    );
    return id;
  }

  /** Settles when the prior job has ended and its outcome is stored (at once for one not running here). */
  whenEnded(jobId: number): Promise<void> {
    return this.#ended.get(jobId) ?? Promise.resolve();
  }

  /** The run's newest prior, null when it has none; refused for a run that is not a VQ-VAE. */
  get(runId: number): Prior | null {
    this.requireVqVae(runId);
    return latestPrior(this.o.db, runId) ?? null;
  }

  /**
   * `n` samples of a run's model (n per class for the CVAE, or of one class), decoded in a one-shot worker at the
   * newest checkpoint (a VQ-VAE's: the one its prior was trained on). Refused, naming the run and its family, for a
   * family with no generative prior and a VQ-VAE without a learned one.
   */
  async sample(request: { runId: number; n: number; seed?: number | undefined; class?: number | undefined }): Promise<SampleSet> {
    const run = this.requireRun(request.runId);
    const family = run.config.family;
    const seed = request.seed ?? 0;
    const who = `run ${run.id}`;
    const sampling = samplingOf(family);
    if (request.class !== undefined && sampling !== 'conditional') {
      refuse('bad_request', 'class', `${who} is a ${family} model: only a cvae is conditioned on a class`);
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
          `${who} is a ${family} model without a learned prior: train one first (latent-studio prior ${run.id}, or prior.start); ` +
            'samples of uniform codes would be noise',
        );
      }
      for (const [path, sha, what] of [
        [
          prior.checkpoint.path,
          prior.checkpoint.sha256,
          `the checkpoint of epoch ${prior.checkpoint.epoch} its prior was trained on`,
        ],
        [prior.path, prior.sha256, 'its learned prior’s checkpoint'],
      ] as const) {
        try {
          readCheckpoint(path, sha);
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
          refuse('conflict', 'runId', `${who}: ${what} cannot be used (${e.message}); train the prior again`);
        }
      }
      source = { kind: 'prior', prior: { path: prior.path, sha256: prior.sha256 } };
      checkpoint = prior.checkpoint;
      priorJobId = prior.jobId;
    } else if (sampling === 'gaussian' || sampling === 'conditional') {
      const latentSize = (run.config.model as { latentSize?: number }).latentSize;
      if (!latentSize) refuse('bad_request', 'runId', `${who} has no latent size to sample z from`);
      checkpoint = checkpointFor(this.o.db, run.id, undefined);
      if (sampling === 'conditional') {
        const known = this.classesOf(run.config.dataset);
        if (request.class !== undefined && !known.includes(request.class))
          refuse('bad_request', 'class', `${who} was trained on classes ${known.join(', ')}; there is no class ${request.class}`);
        source = { kind: 'conditional', latentSize, classes: request.class !== undefined ? [request.class] : known };
      } else source = { kind: 'gaussian', latentSize };
    } else {
      return refuse(
        'bad_request',
        'runId',
        `${who} is a ${family} model, which has no generative prior to sample from (these families have one: ${registeredFamilySpecs()
          .filter((s) => s.sampling)
          .map((s) => `${s.id}, ${s.sampling}`)
          .join('; ')})`,
      );
    }
    const answer = await this.o.orchestrator.request(
      { type: 'sample', config: run.config, checkpoint, datasets: this.o.locations, n: request.n, seed, source },
      'sampled',
      this.#abort.signal,
    );
    return {
      runId: run.id,
      family,
      source: source.kind,
      epoch: checkpoint.epoch,
      seed,
      priorJobId,
      width: answer.width,
      height: answer.height,
      channels: answer.channels,
      samples: answer.pngs.map((png, i) => ({ png: Buffer.from(png).toString('base64'), label: answer.labels[i] ?? null })),
    };
  }

  /** The label values a run trained on: the classes it chose, else every label of its data set. */
  private classesOf(dataset: { name: string; classes?: number[] | undefined }): number[] {
    if (dataset.classes) return [...dataset.classes].sort((a, b) => a - b);
    return Array.from({ length: this.o.datasets.info(dataset.name)?.classes ?? 0 }, (_, c) => c);
  }

  /** Kills the workers of this studio's priors and samples; priors not ended fail with the reason. */
  close(): void {
    this.#abort.abort();
    for (const p of failOwnPriors(this.o.db, studioStoppedReason)) {
      this.emit(p.jobId, p.runId, 'failed', studioStoppedReason, p.epochs);
    }
  }
}
