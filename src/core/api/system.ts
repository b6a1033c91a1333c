/**
 * The rest of the API: the studio and its families, the scheduler and jobs, evaluations, learned priors and samples,
 * the explorer's sessions, and the artifacts' index (their bytes travel apart, see src/shared/artifact-url.ts).
 */
import { z } from 'zod';
import type { Api, BackendInfo } from '../../shared/api';
import { defaultRunConfig } from '../../families/run-config';
import { explorerOf } from '../../families/family-spec';
import { registeredFamilySpecs } from '../../families/specs';
import { ApiError } from '../errors';
import { openJobList, schedulerInfo } from '../jobs/scheduler-info';
import { findPreset } from '../presets';
import { machineLimits, rememberAutoBackend } from '../run-checks';
import { artifactKinds, indexArtifacts, listArtifacts } from '../store/artifacts';
import { listEvaluations } from '../store/evaluations';
import { getJob, moveJobToFront } from '../store/jobs';
import { setSetting } from '../store/settings';
import { autoResumeSetting } from '../training/orchestrator';
import { studioVersion } from '../version';
import type { StudioContext } from './context';
import { runHelpers } from './runs';

export function systemApi(
  ctx: StudioContext,
): Pick<
  Api,
  | 'system.info'
  | 'families.list'
  | 'presets.get'
  | 'scheduler.get'
  | 'scheduler.set'
  | 'evaluations.start'
  | 'evaluations.list'
  | 'explorer.open'
  | 'explorer.decode'
  | 'explorer.encode'
  | 'explorer.close'
  | 'prior.start'
  | 'prior.get'
  | 'runs.sample'
  | 'jobs.cancel'
  | 'jobs.list'
  | 'jobs.moveToFront'
  | 'artifacts.list'
  | 'artifacts.index'
  | 'artifacts.kinds'
> {
  const { db, orchestrator, evaluations, priors, explorer } = ctx;
  const { requireRun, requireRunData } = runHelpers(ctx);
  let backend: Promise<BackendInfo> | undefined;
  const requireJob = (jobId: number) => {
    if (!getJob(db, jobId))
      throw new ApiError('not_found', `jobId: job ${jobId} does not exist`, [{ path: 'jobId', message: 'no such job' }]);
  };
  return {
    'system.info': async () => {
      backend ??= orchestrator.light.probeBackend().then((b) => (rememberAutoBackend(b.name), b));
      const [info, error] = await backend.then(
        (b) => [b, null] as const,
        (e: unknown) => [null, e instanceof Error ? e.message : String(e)] as const,
      );
      return {
        studioVersion,
        transport: ctx.transport,
        dbPath: ctx.dbPath,
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
        presets: spec.presets.map((p) => ({
          name: p.name,
          description: p.description,
          model: p.model,
          training: (p.training as Record<string, unknown> | undefined) ?? null,
        })),
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
        study: spec.study ? { label: spec.study.label, strengths: spec.study.strengths.map((s) => s.label) } : null,
      })),
    'presets.get': async ({ name }) => {
      const config = findPreset(name);
      if (!config) throw new ApiError('not_found', `no preset named ${name}`);
      return config;
    },
    'scheduler.get': async () => schedulerInfo(db, orchestrator),
    'scheduler.set': async ({ maxConcurrent, autoResume, paused }) => {
      if (autoResume !== undefined) setSetting(db, autoResumeSetting, autoResume);
      if (paused !== undefined) orchestrator.paused = paused;
      if (maxConcurrent !== undefined) orchestrator.maxConcurrent = maxConcurrent;
      // Every window's scheduler line and open sweep form (its "n at a time") reads the settings again.
      ctx.events.emit('scheduler.changed', {});
      return schedulerInfo(db, orchestrator);
    },
    'evaluations.start': async (request) => {
      await requireRunData(request.runId);
      return { evaluationId: evaluations.start(request) };
    },
    'evaluations.list': async ({ runId }) => {
      requireRun(runId);
      return listEvaluations(db, runId);
    },
    'explorer.open': async (request) => {
      await requireRunData(request.runId);
      return explorer.open(request);
    },
    'explorer.decode': async (request) => explorer.decode(request),
    'explorer.encode': async (request) => explorer.encode(request),
    'explorer.close': async ({ sessionId }) => explorer.close(sessionId),
    'prior.start': async (request) => {
      await requireRunData(request.runId);
      return { jobId: priors.start(request) };
    },
    'prior.get': async ({ runId }) => priors.get(runId),
    'runs.sample': async (request) => {
      await requireRunData(request.runId);
      return priors.sample(request);
    },
    'jobs.cancel': async ({ jobId }) => {
      requireJob(jobId);
      return { cancelled: orchestrator.cancelJob(jobId) };
    },
    'jobs.moveToFront': async ({ jobId }) => {
      requireJob(jobId);
      const moved = moveJobToFront(db, jobId);
      if (moved) orchestrator.schedule();
      return { moved };
    },
    'jobs.list': async () => openJobList(db, orchestrator),
    'artifacts.list': async ({ runId }) => listArtifacts(db, runId),
    'artifacts.index': async ({ runIds, kind }) => indexArtifacts(db, runIds, kind),
    'artifacts.kinds': async ({ runIds }) => artifactKinds(db, runIds),
  };
}
