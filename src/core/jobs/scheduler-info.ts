import type { OpenJob, SchedulerInfo } from '../../shared/api';
import type { Db } from '../store/db';
import { openJobs, type OpenJobRecord } from '../store/jobs';
import type { TrainRequestRecord } from '../store/train-jobs';
import { getSetting } from '../store/settings';
import { autoResumeSetting, defaultMaxConcurrent, type Orchestrator } from '../training/orchestrator';

/** How the scheduler stands: its limit, and the work of every kind holding a slot or waiting for one. */
export function schedulerInfo(db: Db, orchestrator: Orchestrator): SchedulerInfo {
  const activeRuns = orchestrator.activeRunIds;
  // This machine's work not over (a Slurm cluster's is the cluster's to schedule: not in this queue or limit).
  const open = db
    .prepare(`SELECT kind, run_id AS runId, state FROM jobs WHERE state IN ('queued','running') AND executor = 'local'`)
    .all() as { kind: string; runId: number; state: string }[];
  const training = open.filter((j) => j.kind === 'train');
  const byKind: SchedulerInfo['byKind'] = {
    train: {
      // Workers of runs still active (a worker outlives its run's end by a moment).
      running: training.filter((r) => activeRuns.includes(r.runId)).length,
      // Waiting for a slot: queued in the database, not yet handed to a worker here.
      queued: training.filter((r) => r.state === 'queued' && !activeRuns.includes(r.runId)).length,
    },
  };
  const running = orchestrator.jobs.countByKind();
  for (const kind of ['evaluate', 'prior'] as const) {
    byKind[kind] = {
      running: running.get(kind) ?? 0,
      queued: open.filter((j) => j.kind === kind && j.state === 'queued').length,
    };
  }
  const kinds = Object.values(byKind);
  return {
    maxConcurrent: orchestrator.maxConcurrent,
    defaultMaxConcurrent: defaultMaxConcurrent(orchestrator.cores),
    threadsPerWorker: orchestrator.threadsPerWorker,
    cores: orchestrator.cores,
    running: kinds.reduce((n, k) => n + k.running, 0),
    queued: kinds.reduce((n, k) => n + k.queued, 0),
    byKind,
    light: orchestrator.light.count,
    autoResume: getSetting<boolean>(db, autoResumeSetting) ?? false,
    paused: orchestrator.paused,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What a job does, in words, from its request. */
function jobDetail(job: OpenJobRecord): string {
  const r = job.request;
  if (job.kind === 'train') {
    const from = (r as Partial<TrainRequestRecord>).resumeFrom;
    const pretraining = job.runPretraining > 0 ? ` (${job.runPretraining} pretraining)` : '';
    // A completed run given more epochs is extended, one that stopped before its end resumed.
    const how = from?.extendedFrom !== undefined ? 'extended' : 'resumed';
    return from ? `epochs ${from.epoch + 1}–${job.runEpochs} (${how})` : `${plural(job.runEpochs, 'epoch')}${pretraining}`;
  }
  if (job.kind === 'evaluate') {
    const what = Array.isArray(r['what']) ? (r['what'] as string[]).join(', ') : 'evaluation';
    return typeof r['epoch'] === 'number' ? `${what} at epoch ${r['epoch']}` : what;
  }
  return typeof r['epochs'] === 'number' ? `PixelCNN prior, ${plural(r['epochs'], 'epoch')}` : 'PixelCNN prior';
}

/** The work not over, as the queue shows it: a run whose worker is starting here counts as running. */
export function openJobList(db: Db, orchestrator: Orchestrator): OpenJob[] {
  const active = new Set(orchestrator.activeRunIds);
  const jobs = openJobs(db).map((j) => ({
    id: j.id,
    kind: j.kind,
    runId: j.runId,
    runName: j.runName,
    state: j.state === 'running' || (j.kind === 'train' && active.has(j.runId)) ? ('running' as const) : ('queued' as const),
    executor: j.executor,
    detail: jobDetail(j),
    createdAt: j.createdAt,
    startedAt: j.startedAt,
    heldHere: j.heldHere,
    holder: j.holder,
  }));
  // Stable: a starting run moves up among the running, the queue keeps its order.
  return [...jobs.filter((j) => j.state === 'running'), ...jobs.filter((j) => j.state === 'queued')];
}
