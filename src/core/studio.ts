import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { Api, SystemInfo } from '../shared/api';
import { DatasetCatalog } from './datasets/catalog';
import { EventHub } from './events';
import { readArtifact } from './store/artifacts';
import { openDb, type Db, type OpenOptions } from './store/db';
import { activeSweepRunsStoppedWithStudio, getSweepSpec, listSweeps } from './store/sweeps';
import { configHash } from './training/config-hash';
import { addWarning, getRun, runsStoppedWithStudio, settleInterrupted, studioStopped } from './store/runs';
import { autoResumeSetting, Orchestrator, type OrchestratorOptions } from './training/orchestrator';
import { getSetting } from './store/settings';
import type { WorkerLauncher } from './training/protocol';
import { studioVersion } from './version';
import { packagePath } from './package-root';
import { checkpointsDirFor, datasetsDirFor } from './paths';
import { exportRun } from './export';
import { refuseOccupied, writeWhole, type OutFolderOptions } from './out-folder';
import { EvaluationJobs } from './evaluation/jobs';
import { sweepRunEvaluation } from './evaluation/sweep-settings';
import { PriorJobs } from './prior/jobs';
import { SlurmBackend } from './slurm/backend';
import { localTaskCommand, type TaskCommand } from './slurm/script';
import { slurmCommands, type SlurmCommands } from './slurm/commands';
import { writeLatents } from './evaluation/latents-files';
import { ExplorerSessions } from './explorer/sessions';
import type { StudioContext } from './api/context';
import { datasetsApi } from './api/datasets';
import { labelsApi } from './api/labels';
import { runHelpers, runsApi } from './api/runs';
import { runsTableApi } from './api/runs-table';
import { sweepsApi } from './api/sweeps';
import { systemApi } from './api/system';
import { findPreset, presetNames } from './presets';
import { AdaptiveSweeps } from './sweeps/adaptive';

export interface StudioOptions extends OpenOptions {
  dbPath: string;
  /** Where imported and generated data sets are stored (default: `datasets` beside the database). */
  datasetsDir?: string;
  /** Where Debian's Fashion-MNIST files are looked for (tests point it elsewhere). */
  fashionDir?: string;
  launcher: WorkerLauncher;
  transport: SystemInfo['transport'];
  orchestrator?: Partial<OrchestratorOptions>;
  /**
   * Sweeps sent to Slurm: the folder the cluster shares with the studio (default: `slurm` beside the database;
   * set at start, never by a request), and the Slurm commands (tests stub them).
   */
  slurm?: { sharedDir?: string; commands?: SlurmCommands; command?: TaskCommand; pollMs?: number; orphansMs?: number };
}

export interface Studio {
  api: Api;
  events: EventHub;
  db: Db;
  orchestrator: Orchestrator;
  datasets: DatasetCatalog;
  /** An artifact's bytes and type (the transports serve them as they are: GET /artifacts/<id>, latent-artifact://). */
  artifact(artifactId: number): { mime: string; data: Buffer } | undefined;
  /** Exports a run to a folder of the caller's choosing (the CLI's --out); the API writes only into the studio's own. */
  exportRun(runId: number, outDir: string, options?: OutFolderOptions): ReturnType<typeof exportRun>;
  evaluations: EvaluationJobs;
  /** VQ-VAE runs' learned priors (PixelCNN) and samples of runs. */
  priors: PriorJobs;
  /** The explorer's sessions: long-lived workers holding a run's model for the live sliders. */
  explorer: ExplorerSessions;
  /** Writes a stopped run's test codes, labels and factors as NPY and CSV into a folder of the caller's choosing (the CLI's --latents). */
  exportLatents(
    runId: number,
    outDir: string,
    epoch?: number,
    options?: OutFolderOptions,
  ): Promise<ReturnType<typeof writeLatents> & { epoch: number }>;
  close(): Promise<void>;
}

/** The Node core behind every transport: store, scheduler, job kinds and the API they share (src/core/api). */
export function createStudio(options: StudioOptions): Studio {
  const db = openDb(options.dbPath, options);
  const events = new EventHub();
  const dataDir = options.dbPath === ':memory:' ? join(tmpdir(), `latent-studio-${process.pid}`) : dirname(options.dbPath);
  const checkpointDir = checkpointsDirFor(options.dbPath);
  const datasetLocations = {
    root: options.datasetsDir ?? datasetsDirFor(options.dbPath),
    ...(options.fashionDir ? { fashionDir: options.fashionDir } : {}),
  };
  const datasets = new DatasetCatalog(datasetLocations.root, datasetLocations);
  datasets.store.sweepPartial();
  const orchestrator = new Orchestrator(db, options.launcher, events, {
    checkpointDir,
    studioVersion,
    datasets: datasetLocations,
    ...options.orchestrator,
  });
  const evaluations = new EvaluationJobs({ db, orchestrator, events, datasets, locations: datasetLocations });
  const priors = new PriorJobs({ db, orchestrator, events, datasets, locations: datasetLocations, checkpointDir });
  const explorer = new ExplorerSessions({ db, orchestrator, locations: datasetLocations });
  const slurm = new SlurmBackend({
    db,
    orchestrator,
    commands: options.slurm?.commands ?? slurmCommands(),
    // Absolute: the folder is stored with each sweep, and a studio started elsewhere must find the same one.
    sharedDir: resolve(options.slurm?.sharedDir ?? process.env['LATENT_STUDIO_SLURM_DIR'] ?? join(dataDir, 'slurm')),
    checkpointDir,
    datasets: datasetLocations,
    studioVersion,
    command: options.slurm?.command ?? localTaskCommand(packagePath('bin', 'latent-studio.mjs')),
    ...(options.slurm?.pollMs ? { pollMs: options.slurm.pollMs } : {}),
    ...(options.slurm?.orphansMs ? { orphansMs: options.slurm.orphansMs } : {}),
    staleAfterMs: orchestrator.staleAfterMs,
  });
  // Bayes sweeps' proposals and Hyperband's rungs (set on the scheduler before it starts its first run).
  const adaptive = new AdaptiveSweeps({
    db,
    events,
    orchestrator,
    datasets,
    // A Slurm sweep's later proposal goes to the cluster as a task of its own, numbered by its place in the sweep.
    submitRemote: async (sweepId, runId, config, task) => {
      const [sweep] = listSweeps(db, sweepId);
      if (!sweep?.slurm) throw new Error(`sweep ${sweepId} was not sent to Slurm`);
      await slurm.submitSweep(
        sweep,
        [{ runId, config, configHash: configHash(config) }],
        sweep.slurm.options,
        task,
        sweep.slurm.dir,
      );
    },
  });
  queueMicrotask(() => adaptive.advanceAll());
  // Slurm runs a studio before this one left on the cluster: followed again from where their logs were read.
  slurm.followLeftRuns();
  // A sweep with `evaluate` evaluates each of its runs as it completes (its figures join the runs table as eval.*).
  events.on((e) => {
    if (e.name !== 'run.status' || e.payload.status !== 'completed') return;
    const runId = e.payload.runId;
    const sweepId = getRun(db, runId)?.sweepId;
    const settings = sweepId ? getSweepSpec(db, sweepId)?.evaluate : undefined;
    if (!settings) return;
    try {
      evaluations.start({ runId, ...sweepRunEvaluation(settings) });
    } catch (error) {
      addWarning(db, runId, `its sweep could not evaluate it: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  const ctx: StudioContext = {
    db,
    events,
    orchestrator,
    datasets,
    datasetLocations,
    dataDir,
    checkpointDir,
    evaluations,
    priors,
    explorer,
    slurm,
    adaptive,
    transport: options.transport,
    dbPath: options.dbPath,
  };
  const api: Api = {
    ...systemApi(ctx),
    ...runsApi(ctx),
    ...runsTableApi(ctx),
    ...labelsApi(ctx),
    ...sweepsApi(ctx),
    ...datasetsApi(ctx),
  };
  const { requireRun } = runHelpers(ctx);

  // A serving studio takes up the runs its predecessor left when it stopped, if asked to.
  // A sweep is a job the user asked to see to its end: its runs stopped with the studio continue either way.
  if (options.orchestrator?.adoptQueued ?? true) {
    const sweepRunIds = activeSweepRunsStoppedWithStudio(db, studioStopped);
    const all = getSetting<boolean>(db, autoResumeSetting) ? runsStoppedWithStudio(db) : [];
    for (const runId of [...new Set([...sweepRunIds, ...all])]) {
      const stopped = adaptive.stoppedAtLastRung(runId);
      if (stopped !== null && settleInterrupted(db, runId, 'stopped', stopped)) continue;
      api['runs.resume']({ runId }).catch((e: unknown) =>
        addWarning(db, runId, `could not resume at start: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  }

  return {
    api,
    events,
    db,
    orchestrator,
    datasets,
    exportRun: async (runId, outDir, options) =>
      exportRun({ db, orchestrator, datasets: datasetLocations }, requireRun(runId), outDir, options),
    evaluations,
    priors,
    explorer,
    artifact: (artifactId) => readArtifact(db, artifactId),
    exportLatents: async (runId, outDir, epoch, options = {}) => {
      refuseOccupied(outDir, options); // before the codes are computed
      const { epoch: at, latents } = await evaluations.latents(runId, epoch);
      return {
        ...(await writeWhole(outDir, options, async (dir) => writeLatents(dir, { runId, epoch: at }, latents))),
        epoch: at,
      };
    },
    async close() {
      evaluations.close();
      priors.close();
      explorer.closeAll();
      slurm.close();
      await orchestrator.shutdown();
      db.close();
    },
  };
}

export { findPreset, presetNames };
