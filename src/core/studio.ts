import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Api, BackendInfo, SystemInfo } from '../shared/api';
import { defaultRunConfig, type RunConfig } from '../shared/config';
import { familyIds, familySpecs } from '../families/specs';
import { ApiError } from './errors';
import { EventHub } from './events';
import { listArtifacts, readArtifact } from './store/artifacts';
import { openDb, type Db, type OpenOptions } from './store/db';
import { readMetrics } from './store/metrics';
import { deleteRun, getRun, getRunStatus, listRuns } from './store/runs';
import { Orchestrator, type OrchestratorOptions } from './training/orchestrator';
import type { WorkerLauncher } from './training/protocol';
import { studioVersion } from './version';

export interface StudioOptions extends OpenOptions {
  dbPath: string;
  launcher: WorkerLauncher;
  transport: SystemInfo['transport'];
  orchestrator?: Partial<OrchestratorOptions>;
}

export interface Studio {
  api: Api;
  events: EventHub;
  db: Db;
  orchestrator: Orchestrator;
  close(): Promise<void>;
}

function findPreset(name: string) {
  for (const id of familyIds) {
    const preset = familySpecs[id].presets.find((p) => p.name === name);
    // The preset belongs to family `id`, so its model fits that family's config.
    if (preset) return { ...defaultRunConfig(id), name: preset.name, model: structuredClone(preset.model) } as RunConfig;
  }
  return undefined;
}

/** The Node core behind every transport: store, training orchestration and the API they share. */
export function createStudio(options: StudioOptions): Studio {
  const db = openDb(options.dbPath, options);
  const events = new EventHub();
  const checkpointDir =
    options.dbPath === ':memory:'
      ? join(tmpdir(), `latent-studio-${process.pid}`, 'checkpoints')
      : join(dirname(options.dbPath), 'checkpoints');
  const orchestrator = new Orchestrator(db, options.launcher, events, { checkpointDir, studioVersion, ...options.orchestrator });
  let backend: Promise<BackendInfo> | undefined;

  const requireRun = (runId: number) => {
    const run = getRun(db, runId);
    if (!run) throw new ApiError('not_found', `run ${runId} does not exist`);
    return run;
  };

  const api: Api = {
    'system.info': async () => {
      backend ??= orchestrator.probeBackend();
      const [info, error] = await backend.then(
        (b) => [b, null] as const,
        (e: unknown) => [null, e instanceof Error ? e.message : String(e)] as const,
      );
      return { studioVersion, transport: options.transport, dbPath: options.dbPath, backend: info, backendError: error };
    },
    'families.list': async () =>
      familyIds.map((id) => ({
        id,
        label: familySpecs[id].label,
        summary: familySpecs[id].summary,
        presets: familySpecs[id].presets.map((p) => ({ name: p.name, description: p.description })),
      })),
    'presets.get': async ({ name }) => {
      const config = findPreset(name);
      if (!config) throw new ApiError('not_found', `no preset named ${name}`);
      return config;
    },
    'runs.start': async ({ config }) => ({ runId: orchestrator.start(config) }),
    'runs.list': async () => listRuns(db),
    'runs.get': async ({ runId }) => requireRun(runId),
    'runs.metrics': async ({ runId }) => {
      requireRun(runId);
      return readMetrics(db, runId);
    },
    'runs.cancel': async ({ runId }) => {
      requireRun(runId);
      orchestrator.cancel(runId);
      await orchestrator.whenEnded(runId);
      return { status: getRunStatus(db, runId) ?? 'cancelled' };
    },
    'runs.delete': async ({ runId }) => {
      if (orchestrator.activeRunIds.includes(runId))
        throw new ApiError('conflict', `run ${runId} is still training: cancel it first`);
      return { deleted: deleteRun(db, runId) };
    },
    'artifacts.list': async ({ runId }) => listArtifacts(db, runId),
    'artifacts.get': async ({ artifactId }) => {
      const a = readArtifact(db, artifactId);
      if (!a) throw new ApiError('not_found', `artifact ${artifactId} does not exist`);
      return { mime: a.mime, dataBase64: a.data.toString('base64') };
    },
  };

  return {
    api,
    events,
    db,
    orchestrator,
    async close() {
      await orchestrator.shutdown();
      db.close();
    },
  };
}

export { findPreset };
