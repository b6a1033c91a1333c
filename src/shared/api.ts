import { z } from 'zod';
import { RunConfig } from './config';

/** Contract between the renderer and the core. Every transport derives from these two records. */

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;
export const finishedStatuses: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'interrupted'];

export const RunId = z.number().int().positive();

export const BackendInfo = z.object({
  name: z.string(),
  version: z.string(),
  gpu: z.boolean(),
  reason: z.string(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const Environment = z.object({
  studioVersion: z.string(),
  node: z.string(),
  electron: z.string().nullable(),
  tfjs: z.string(),
  backend: BackendInfo,
  os: z.string(),
  cpu: z.string(),
  cpuCount: z.number(),
  seed: z.number(),
  configHash: z.string(),
  datasetHash: z.string(),
});
export type Environment = z.infer<typeof Environment>;

export const MetricSplit = z.enum(['train', 'test']);
export const MetricPoint = z.object({
  step: z.number().int(),
  epoch: z.number(),
  split: MetricSplit,
  name: z.string(),
  value: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const LatestMetric = z.object({ split: MetricSplit, name: z.string(), value: z.number(), step: z.number().int() });

export const RunSummary = z.object({
  id: RunId,
  name: z.string(),
  experiment: z.string(),
  family: z.string(),
  status: RunStatus,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  backend: z.string().nullable(),
  error: z.string().nullable(),
  epochs: z.number().int(),
  latest: z.array(LatestMetric),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunDetail = RunSummary.extend({
  config: RunConfig,
  configHash: z.string(),
  seed: z.number().int(),
  backendReason: z.string().nullable(),
  environment: Environment.nullable(),
  warnings: z.array(z.string()),
  checkpoints: z.array(
    z.object({ epoch: z.number().int(), step: z.number().int(), path: z.string(), sizeBytes: z.number().int() }),
  ),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const ArtifactInfo = z.object({
  id: z.number().int(),
  runId: RunId,
  kind: z.string(),
  epoch: z.number().int(),
  step: z.number().int(),
  mime: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  caption: z.string(),
});
export type ArtifactInfo = z.infer<typeof ArtifactInfo>;

export const RunProgress = z.object({
  runId: RunId,
  epoch: z.number().int(),
  epochs: z.number().int(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  samplesPerSec: z.number(),
  etaSeconds: z.number(),
  batchLoss: z.number(),
});
export type RunProgress = z.infer<typeof RunProgress>;

export const FamilyInfo = z.object({
  id: z.string(),
  label: z.string(),
  summary: z.string(),
  presets: z.array(z.object({ name: z.string(), description: z.string() })),
});

export const SystemInfo = z.object({
  studioVersion: z.string(),
  transport: z.enum(['electron', 'headless']),
  dbPath: z.string(),
  backend: BackendInfo.nullable(),
  backendError: z.string().nullable(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

const empty = z.object({});
const byRun = z.object({ runId: RunId });

export const commands = {
  'system.info': { input: empty, output: SystemInfo },
  'families.list': { input: empty, output: z.array(FamilyInfo) },
  'presets.get': { input: z.object({ name: z.string() }), output: RunConfig },
  'runs.start': { input: z.object({ config: RunConfig }), output: z.object({ runId: RunId }) },
  'runs.list': { input: empty, output: z.array(RunSummary) },
  'runs.get': { input: byRun, output: RunDetail },
  'runs.metrics': { input: byRun, output: z.array(MetricPoint) },
  'runs.cancel': { input: byRun, output: z.object({ status: RunStatus }) },
  'runs.delete': { input: byRun, output: z.object({ deleted: z.boolean() }) },
  'artifacts.list': { input: byRun, output: z.array(ArtifactInfo) },
  'artifacts.get': {
    input: z.object({ artifactId: z.number().int() }),
    output: z.object({ mime: z.string(), dataBase64: z.string() }),
  },
} as const;

export const events = {
  'run.status': z.object({ runId: RunId, status: RunStatus, error: z.string().nullable(), backend: z.string().nullable() }),
  'run.progress': RunProgress,
  'run.metrics': z.object({ runId: RunId, points: z.array(MetricPoint) }),
  'run.artifact': ArtifactInfo,
  'run.warning': z.object({ runId: RunId, message: z.string() }),
} as const;

export type CommandName = keyof typeof commands;
export type EventName = keyof typeof events;
export type CommandInput<K extends CommandName> = z.input<(typeof commands)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.infer<(typeof commands)[K]['output']>;
export type EventPayload<K extends EventName> = z.infer<(typeof events)[K]>;

/** What the core implements; transports only route to it. */
export type Api = { [K in CommandName]: (input: z.infer<(typeof commands)[K]['input']>) => Promise<CommandOutput<K>> };

export interface ApiErrorBody {
  code: 'bad_request' | 'not_found' | 'conflict' | 'internal';
  message: string;
  issues?: { path: string; message: string }[];
}
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export type StudioEvent = { [K in EventName]: { name: K; payload: EventPayload<K> } }[EventName];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}
