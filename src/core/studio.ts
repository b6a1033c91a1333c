import { z } from 'zod';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { finishedStatuses, type Api, type BackendInfo, type SystemInfo } from '../shared/api';
import { describeIssues, type RunConfig } from '../shared/config';
import { defaultRunConfig } from '../families/run-config';
import { DatasetCatalog, DatasetError } from './datasets/catalog';
import { DatasetFileError } from './datasets/idx';
import { DatasetExistsError } from './datasets/store';
import { imagePng } from './training/images';
import { registeredFamilySpecs } from '../families/specs';
import { ApiError } from './errors';
import { EventHub } from './events';
import { artifactKinds, indexArtifacts, listArtifacts, readArtifact } from './store/artifacts';
import { openDb, type Db, type OpenOptions } from './store/db';
import { readCurves, readMetrics } from './store/metrics';
import {
  activeSweepRunsStoppedWithStudio,
  adoptSweepQueue,
  getSweepSpec,
  deleteSweep,
  insertSweep,
  listSweeps,
  sweepIdByName,
  sweepRuns,
  setSweepState,
} from './store/sweeps';
import { differingFields, expandSweep, flattenConfig, type SweepPoint, type SweepSpec } from '../shared/sweep';
import { configHash } from './training/config-hash';
import { RunConfig as RunConfigSchema, fieldIssues } from '../shared/config';
import {
  addWarning,
  deleteRun,
  getRun,
  getRunStatus,
  latestByRun,
  listRuns,
  requeueForResume,
  runsStoppedWithStudio,
  runsWithConfigs,
  runSupervisor,
  slurmRunInfo,
  type SlurmTaskRecord,
  studioStopped,
  supervisorAlive,
} from './store/runs';
import { removeCheckpointFile } from './training/checkpoint-files';
import { autoResumeSetting, Orchestrator, type OrchestratorOptions } from './training/orchestrator';
import { getSetting, setSetting } from './store/settings';
import type { WorkerLauncher } from './training/protocol';
import { studioVersion } from './version';
import { datasetsDirFor, insideRoot, PathEscapeError } from './paths';
import { exportRun, newestGoodCheckpoint } from './export';
import { checkRun, machineLimits } from './run-checks';
import { checkKinds, EvaluationJobs } from './evaluation/jobs';
import { PriorJobs } from './prior/jobs';
import { SlurmBackend, type TaskCommand } from './slurm/backend';
import { slurmCommands, SlurmCommandError, type SlurmCommands } from './slurm/commands';
import { writeLatents } from './evaluation/latents-files';
import { runLatents } from './evaluation/latent-images';
import { latestEvaluationFigures, listEvaluations } from './store/evaluations';
import { ExplorerSessions } from './explorer/sessions';
import { schedulerInfo } from './jobs/scheduler-info';
import { getJob } from './store/jobs';
import { explorerOf } from '../families/family-spec';

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
  slurm?: { sharedDir?: string; commands?: SlurmCommands; command?: TaskCommand; pollMs?: number };
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
  exportRun(runId: number, outDir: string): ReturnType<typeof exportRun>;
  evaluations: EvaluationJobs;
  /** VQ-VAE runs' learned priors (PixelCNN) and samples of runs. */
  priors: PriorJobs;
  /** The explorer's sessions: long-lived workers holding a run's model for the live sliders. */
  explorer: ExplorerSessions;
  /** Writes a stopped run's test codes, labels and factors as NPY and CSV into a folder of the caller's choosing (the CLI's --latents). */
  exportLatents(runId: number, outDir: string, epoch?: number): Promise<ReturnType<typeof writeLatents> & { epoch: number }>;
  close(): Promise<void>;
}

/** A batch script is a few dozen lines; anything far larger at its path is not one the studio wrote. */
const scriptLimitBytes = 1 << 20;

function findPreset(name: string) {
  for (const spec of registeredFamilySpecs()) {
    const preset = spec.presets.find((p) => p.name === name);
    // The preset belongs to this family, so its model fits that family's config.
    if (preset) return { ...defaultRunConfig(spec.id), name: preset.name, model: structuredClone(preset.model) } as RunConfig;
  }
  return undefined;
}

/** The Node core behind every transport: store, training orchestration and the API they share. */
export function createStudio(options: StudioOptions): Studio {
  const db = openDb(options.dbPath, options);
  const events = new EventHub();
  const dataDir = options.dbPath === ':memory:' ? join(tmpdir(), `latent-studio-${process.pid}`) : dirname(options.dbPath);
  const checkpointDir = join(dataDir, 'checkpoints');
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
  let backend: Promise<BackendInfo> | undefined;
  const evaluations = new EvaluationJobs({ db, orchestrator, events, datasets, locations: datasetLocations });
  const priors = new PriorJobs({ db, orchestrator, events, datasets, locations: datasetLocations, checkpointDir });
  const explorer = new ExplorerSessions({ db, orchestrator, locations: datasetLocations });
  const slurm = new SlurmBackend({
    db,
    orchestrator,
    commands: options.slurm?.commands ?? slurmCommands(),
    sharedDir: options.slurm?.sharedDir ?? process.env['LATENT_STUDIO_SLURM_DIR'] ?? join(dataDir, 'slurm'),
    checkpointDir,
    datasets: datasetLocations,
    studioVersion,
    command: options.slurm?.command ?? {
      node: process.execPath,
      cli: fileURLToPath(new URL('../../bin/latent-studio.mjs', import.meta.url)),
    },
    ...(options.slurm?.pollMs ? { pollMs: options.slurm.pollMs } : {}),
  });
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
      evaluations.start({ runId, ...settings });
    } catch (error) {
      addWarning(db, runId, `its sweep could not evaluate it: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  const progress = (task: 'import' | 'generate', name: string) => (done: number, total: number) =>
    events.emit('dataset.progress', { name, task, done, total });
  /** Data set errors become API errors: a bad file or name is the caller's (400), a missing set 404, a taken name 409. */
  const datasetCall = async <T>(task: () => T | Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (e) {
      if (e instanceof DatasetFileError) throw new ApiError('bad_request', e.message, [{ path: 'path', message: e.message }]);
      if (e instanceof PathEscapeError)
        throw new ApiError('bad_request', `name: ${e.message}`, [{ path: 'name', message: e.message }]);
      if (e instanceof DatasetExistsError) throw new ApiError('conflict', e.message);
      if (e instanceof DatasetError) throw new ApiError(e.code, e.message);
      throw e;
    }
  };

  const requireRun = (runId: number) => {
    const run = getRun(db, runId);
    if (!run) throw new ApiError('not_found', `run ${runId} does not exist`);
    return run;
  };

  /** Continues a stopped run from its newest good checkpoint (or extends a completed one): runs.resume, sweeps.resume. */
  const resumeRun = (runId: number, addEpochs?: number) => {
    const run = requireRun(runId);
    if (!finishedStatuses.includes(run.status))
      throw new ApiError('conflict', `run ${runId} is ${run.status}: it has not stopped`);
    if (run.status === 'completed' && addEpochs === undefined) {
      throw new ApiError('bad_request', `addEpochs: run ${runId} completed; say how many epochs to add`, [
        { path: 'addEpochs', message: 'a completed run is extended by a number of epochs' },
      ]);
    }
    const config = structuredClone(run.config);
    if (addEpochs !== undefined) config.training.epochs += addEpochs;
    const issues = checkRun(config, datasets);
    if (issues.length > 0) throw new ApiError('bad_request', `run ${runId} cannot continue: ${describeIssues(issues)}`, issues);
    // The newest checkpoint that verifies; a corrupt or missing one is named and the one before it used.
    const { from, skipped } = newestGoodCheckpoint(db, runId);
    if (run.status === 'completed' && !from) {
      throw new ApiError(
        'conflict',
        `run ${runId} has no usable checkpoint to continue from${skipped.length ? `: ${skipped.join('; ')}` : ''}`,
      );
    }
    for (const path of requeueForResume(db, runId, config, from)) removeCheckpointFile(checkpointDir, path);
    for (const message of skipped) addWarning(db, runId, `resume skipped a checkpoint: ${message}`);
    events.emit('run.status', { runId, status: 'queued', error: null, backend: null });
    orchestrator.schedule();
    return { runId, fromEpoch: from?.epoch ?? 0, epochs: config.training.epochs, skipped };
  };

  const requireSweep = (sweepId: number) => {
    const [sweep] = listSweeps(db, sweepId);
    if (!sweep) throw new ApiError('not_found', `sweep ${sweepId} does not exist`);
    return sweep;
  };

  /** A sweep spec's runs, each checked like runs.start; every refusal names its path in the spec. */
  const planSweep = (spec: SweepSpec) => {
    const refuse = (issues: { path: string; message: string }[]) => {
      throw new ApiError('bad_request', `invalid sweep: ${describeIssues(issues)}`, issues);
    };
    let base: RunConfig;
    if (typeof spec.base === 'string') {
      const preset = findPreset(spec.base);
      if (!preset) return refuse([{ path: 'base', message: `no preset named ${spec.base}` }]);
      base = preset;
    } else {
      const parsed = RunConfigSchema.safeParse(spec.base);
      if (!parsed.success) return refuse(fieldIssues(parsed.error).map((i) => ({ ...i, path: `base.${i.path}` })));
      base = parsed.data;
    }
    const plan = expandSweep(spec, base, (config) => checkRun(config, datasets));
    if (!plan.ok) return refuse(plan.issues);
    if (plan.points.length === 0) return refuse([{ path: 'parameters', message: 'this sweep makes no runs' }]);
    if (spec.evaluate) {
      // Every run must be evaluable as asked: refused now, not after hours of training.
      for (const point of plan.points) {
        try {
          checkKinds(point.config, `run ${point.name}`, spec.evaluate.what, datasets);
        } catch (e) {
          if (e instanceof ApiError) return refuse([{ path: 'evaluate.what', message: e.message.replace(/^what: /, '') }]);
          throw e;
        }
      }
    }
    return plan.points;
  };

  const api: Api = {
    'system.info': async () => {
      backend ??= orchestrator.light.probeBackend();
      const [info, error] = await backend.then(
        (b) => [b, null] as const,
        (e: unknown) => [null, e instanceof Error ? e.message : String(e)] as const,
      );
      return {
        studioVersion,
        transport: options.transport,
        dbPath: options.dbPath,
        backend: info,
        backendError: error,
        totalMemoryBytes: machineLimits().totalMemoryBytes,
      };
    },
    'families.list': async () =>
      registeredFamilySpecs().map((spec) => ({
        id: spec.id,
        label: spec.label,
        summary: spec.summary,
        presets: spec.presets.map((p) => ({ name: p.name, description: p.description, model: p.model })),
        modelSchema: z.toJSONSchema(spec.modelSchema, { io: 'input', unrepresentable: 'any' }),
        defaultConfig: defaultRunConfig(spec.id),
        defaultTraining: (spec.defaultTraining as Record<string, unknown> | undefined) ?? null,
        defaultDataset: (spec.defaultDataset as Record<string, unknown> | undefined) ?? null,
        lossUnit: spec.lossUnit,
        objective: spec.objective ?? null,
        metrics: spec.metrics ?? [],
        views: spec.views ?? [],
        datasetPairing: spec.datasetPairing ?? null,
        evaluation: { codes: spec.evaluation?.codes ?? true, likelihood: spec.evaluation?.likelihood ?? false },
        explorer: explorerOf(spec),
        sampling: spec.sampling ?? null,
      })),
    'presets.get': async ({ name }) => {
      const config = findPreset(name);
      if (!config) throw new ApiError('not_found', `no preset named ${name}`);
      return config;
    },
    'runs.start': async ({ config }) => {
      const issues = checkRun(config, datasets);
      if (issues.length > 0) throw new ApiError('bad_request', `invalid run config: ${describeIssues(issues)}`, issues);
      // Generated sets named for the first time (shapes, faces-a/b) are drawn now, before the worker needs them.
      for (const name of [config.dataset.name, config.dataset.second]) {
        if (name) await datasets.ensure(name, progress('generate', name));
      }
      return { runId: orchestrator.start(config) };
    },
    'runs.resume': async ({ runId, addEpochs }) => resumeRun(runId, addEpochs),
    'runs.export': async ({ runId }) => {
      const run = requireRun(runId);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return exportRun(
        { db, orchestrator, datasets: datasetLocations },
        run,
        insideRoot(dataDir, 'exports', `run-${runId}-${stamp}`),
      );
    },
    'runs.exportLatents': async ({ runId, epoch }) => {
      requireRun(runId);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const { epoch: at, latents } = await evaluations.latents(runId, epoch);
      return {
        ...writeLatents(insideRoot(dataDir, 'exports', `run-${runId}-latents-${stamp}`), { runId, epoch: at }, latents),
        epoch: at,
      };
    },
    'runs.latents': async ({ runId, epoch }) => runLatents(evaluations, datasets, requireRun(runId), epoch),
    'scheduler.get': async () => schedulerInfo(db, orchestrator),
    'scheduler.set': async ({ maxConcurrent, autoResume }) => {
      if (autoResume !== undefined) setSetting(db, autoResumeSetting, autoResume);
      if (maxConcurrent !== undefined) orchestrator.maxConcurrent = maxConcurrent;
      return schedulerInfo(db, orchestrator);
    },
    'runs.list': async ({ runIds }) => listRuns(db, runIds),
    'runs.table': async ({ experiment, sweepId, runIds }) => {
      const rows = runsWithConfigs(db, { experiment, sweepId, runIds });
      const latest = latestByRun(db, runIds ?? rows.map((r) => r.id));
      // Each run's evaluation figures, as `eval.<name>` columns beside its final metrics (one more query).
      const evaluated = latestEvaluationFigures(db, runIds ?? rows.map((r) => r.id));
      const configs = rows.map((r) => flattenConfig(JSON.parse(r.config_json)));
      const swept = [...new Set(rows.flatMap((r) => (r.sweep_params ? Object.keys(JSON.parse(r.sweep_params) as object) : [])))];
      const differing = differingFields(configs, ['name', 'experiment']);
      const fields = [...swept.filter((f) => differing.includes(f)), ...differing.filter((f) => !swept.includes(f))];
      const metricKeys = new Set<string>();
      const tableRows = rows.map((r, i) => {
        const metrics: Record<string, number> = {};
        for (const m of latest.get(r.id) ?? []) {
          metrics[`${m.split}.${m.name}`] = m.value;
          metricKeys.add(`${m.split}.${m.name}`);
        }
        for (const [name, value] of Object.entries(evaluated.get(r.id) ?? {})) {
          metrics[`eval.${name}`] = value;
          metricKeys.add(`eval.${name}`);
        }
        return {
          id: r.id,
          name: r.name,
          experiment: r.experiment,
          family: r.family,
          status: r.status,
          sweepId: r.sweep_id,
          createdAt: r.created_at,
          epochs: r.epochs,
          config: configs[i] ?? {},
          metrics,
          ...(r.executor === 'slurm' && r.slurm_json ? { slurm: slurmRunInfo(JSON.parse(r.slurm_json) as SlurmTaskRecord) } : {}),
        };
      });
      return { fields, metrics: [...metricKeys].sort(), rows: tableRows };
    },
    'runs.curves': async ({ runIds, metrics, maxPoints }) => readCurves(db, runIds, metrics, maxPoints),
    'sweeps.create': async ({ spec, dryRun, slurm: slurmOptions }) => {
      let points: SweepPoint[];
      try {
        if (sweepIdByName(db, spec.name) !== undefined) {
          throw new ApiError('bad_request', `name: a sweep named ${spec.name} exists; choose another name`, [
            { path: 'name', message: `a sweep named ${spec.name} exists` },
          ]);
        }
        points = planSweep(spec);
      } catch (e) {
        if (dryRun && e instanceof ApiError && e.issues) return { sweepId: null, runs: [], issues: e.issues };
        throw e;
      }
      if (dryRun)
        return { sweepId: null, runs: points.map((p) => ({ runId: null, name: p.name, params: p.params })), issues: [] };
      const names = new Set(points.flatMap((p) => [p.config.dataset.name, p.config.dataset.second]));
      for (const name of names) if (name) await datasets.ensure(name, progress('generate', name));
      const { sweepId, runIds } = insertSweep(db, spec, points, configHash, slurmOptions ? 'slurm' : 'local');
      if (slurmOptions) {
        try {
          await slurm.submitSweep(
            { id: sweepId, name: spec.name },
            runIds.map((runId, i) => ({ runId, config: points[i]!.config, configHash: configHash(points[i]!.config) })),
            slurmOptions,
          );
        } catch (e) {
          deleteSweep(db, sweepId);
          if (e instanceof SlurmCommandError)
            throw new ApiError('bad_request', `slurm: ${e.message}`, [{ path: 'slurm', message: e.message }]);
          throw e;
        }
      }
      events.emit('sweep.changed', { sweepId });
      for (const runId of runIds) events.emit('run.status', { runId, status: 'queued', error: null, backend: null });
      orchestrator.schedule();
      return {
        sweepId,
        runs: points.map((p, i) => ({ runId: runIds[i] ?? null, name: p.name, params: p.params })),
        issues: [],
      };
    },
    'sweeps.list': async () => listSweeps(db),
    'sweeps.get': async ({ sweepId }) => {
      const sweep = requireSweep(sweepId);
      const spec = getSweepSpec(db, sweepId);
      if (!spec) throw new ApiError('not_found', `sweep ${sweepId} does not exist`);
      return { ...sweep, spec, runs: sweepRuns(db, sweepId) };
    },
    'sweeps.script': async ({ sweepId }) => {
      const info = requireSweep(sweepId).slurm;
      if (!info) throw new ApiError('not_found', `sweep ${sweepId} was not sent to Slurm: it has no batch script`);
      // The path the studio wrote when it submitted the sweep (stored with it), never one from a request.
      const path = info.script;
      try {
        if (statSync(path).size > scriptLimitBytes) throw new ApiError('conflict', `${path} is larger than a batch script`);
        return { path, text: readFileSync(path, 'utf8') };
      } catch (e) {
        if (e instanceof ApiError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new ApiError(
          code === 'ENOENT' ? 'not_found' : 'internal',
          code === 'ENOENT'
            ? `the batch script of sweep ${sweepId} is no longer at ${path} (its shared folder was moved or removed)`
            : `the batch script at ${path} could not be read: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
    'sweeps.cancel': async ({ sweepId }) => {
      requireSweep(sweepId);
      setSweepState(db, sweepId, 'cancelled');
      const active = sweepRuns(db, sweepId).filter((r) => r.status === 'queued' || r.status === 'running');
      // Queued runs first, so none starts in a slot a cancelled one frees.
      const order = [...active.filter((r) => r.status === 'queued'), ...active.filter((r) => r.status === 'running')];
      for (const r of order) orchestrator.cancel(r.runId);
      await Promise.all(order.map((r) => orchestrator.whenEnded(r.runId)));
      events.emit('sweep.changed', { sweepId });
      return requireSweep(sweepId);
    },
    'sweeps.resume': async ({ sweepId }) => {
      requireSweep(sweepId);
      setSweepState(db, sweepId, 'active');
      adoptSweepQueue(db, sweepId, supervisorAlive);
      for (const r of sweepRuns(db, sweepId)) {
        if (r.status === 'interrupted' || r.status === 'cancelled' || r.status === 'failed') {
          try {
            resumeRun(r.runId);
          } catch (e) {
            addWarning(db, r.runId, `the sweep could not resume it: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
      orchestrator.schedule();
      events.emit('sweep.changed', { sweepId });
      return requireSweep(sweepId);
    },
    'runs.get': async ({ runId }) => requireRun(runId),
    'runs.metrics': async ({ runId }) => {
      requireRun(runId);
      return readMetrics(db, runId);
    },
    'runs.cancel': async ({ runId }) => {
      const run = requireRun(runId);
      // Already over: its real status. Not this studio's: supervised by another live studio process.
      if (finishedStatuses.includes(run.status)) return { status: run.status };
      if (!orchestrator.cancel(runId)) {
        throw new ApiError(
          'conflict',
          `run ${runId} is ${run.status} under another studio process (${runSupervisor(db, runId) ?? 'unknown'}): cancel it there`,
        );
      }
      await orchestrator.whenEnded(runId);
      const status = getRunStatus(db, runId);
      if (!status) throw new ApiError('not_found', `run ${runId} was deleted`);
      return { status };
    },
    'runs.delete': async ({ runId }) => {
      if (orchestrator.activeRunIds.includes(runId))
        throw new ApiError('conflict', `run ${runId} is still training: cancel it first`);
      // A run waiting in this studio's queue leaves the queue with it.
      if (getRunStatus(db, runId) === 'queued') orchestrator.cancel(runId);
      return { deleted: deleteRun(db, runId) };
    },
    'datasets.list': async () => datasets.list(),
    'datasets.get': async ({ name }) => datasetCall(() => datasets.detail(name)),
    'datasets.samples': async ({ name, split, offset, count }) =>
      datasetCall(async () => {
        const { total, info, items } = datasets.samples(name, split, offset, count);
        const samples = await Promise.all(
          items.map(async (item) => ({
            index: item.index,
            label: item.label,
            factors: item.factors,
            png: Buffer.from(await imagePng(item.bytes, info.height, info.width, info.channels)).toString('base64'),
          })),
        );
        return { total, samples };
      }),
    'datasets.import': async (req) =>
      datasetCall(async () => {
        const info = await datasets.import(req, progress('import', req.name ?? req.path));
        events.emit('dataset.changed', { name: info.name });
        return info;
      }),
    'datasets.generate': async (req) =>
      datasetCall(async () => {
        const infos = await datasets.generate(req, progress('generate', req.name ?? req.generator));
        for (const info of infos) events.emit('dataset.changed', { name: info.name });
        return infos;
      }),
    'datasets.delete': async ({ name }) =>
      datasetCall(async () => {
        const user = orchestrator.activeRunIds.find((id) => {
          const d = getRun(db, id)?.config.dataset;
          return d?.name === name || d?.second === name;
        });
        if (user !== undefined) throw new ApiError('conflict', `run ${user} is training on ${name}: cancel it first`);
        const deleted = datasets.delete(name);
        if (deleted) events.emit('dataset.changed', { name });
        return { deleted };
      }),
    'evaluations.start': async (request) => ({ evaluationId: evaluations.start(request) }),
    'explorer.open': async (request) => explorer.open(request),
    'explorer.decode': async (request) => explorer.decode(request),
    'explorer.encode': async (request) => explorer.encode(request),
    'explorer.close': async ({ sessionId }) => explorer.close(sessionId),
    'prior.start': async (request) => ({ jobId: priors.start(request) }),
    'jobs.cancel': async ({ jobId }) => {
      if (!getJob(db, jobId))
        throw new ApiError('not_found', `jobId: job ${jobId} does not exist`, [{ path: 'jobId', message: 'no such job' }]);
      return { cancelled: orchestrator.jobs.cancel(jobId) };
    },
    'prior.get': async ({ runId }) => priors.get(runId),
    'runs.sample': async (request) => priors.sample(request),
    'evaluations.list': async ({ runId }) => {
      requireRun(runId);
      return listEvaluations(db, runId);
    },
    'artifacts.list': async ({ runId }) => listArtifacts(db, runId),
    'artifacts.index': async ({ runIds, kind }) => indexArtifacts(db, runIds, kind),
    'artifacts.kinds': async ({ runIds }) => artifactKinds(db, runIds),
  };

  // A serving studio takes up the runs its predecessor left when it stopped, if asked to.
  // A sweep is a job the user asked to see to its end: its runs stopped with the studio continue either way.
  if (options.orchestrator?.adoptQueued ?? true) {
    const sweepRunIds = activeSweepRunsStoppedWithStudio(db, studioStopped);
    const all = getSetting<boolean>(db, autoResumeSetting) ? runsStoppedWithStudio(db) : [];
    for (const runId of [...new Set([...sweepRunIds, ...all])]) {
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
    exportRun: async (runId, outDir) => exportRun({ db, orchestrator, datasets: datasetLocations }, requireRun(runId), outDir),
    evaluations,
    priors,
    explorer,
    artifact: (artifactId) => readArtifact(db, artifactId),
    exportLatents: async (runId, outDir, epoch) => {
      const { epoch: at, latents } = await evaluations.latents(runId, epoch);
      return { ...writeLatents(outDir, { runId, epoch: at }, latents), epoch: at };
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

export { findPreset };
