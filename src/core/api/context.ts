/**
 * What the studio's API handlers share: the store, the events, the scheduler and the job kinds, the data sets and
 * the studio's folders. Each file of src/core/api implements the commands of one area over it; src/core/studio.ts
 * builds it and joins them.
 */
import type { DatasetCatalog } from '../datasets/catalog';
import type { EvaluationJobs } from '../evaluation/jobs';
import type { EventHub } from '../events';
import type { ExplorerSessions } from '../explorer/sessions';
import type { PriorJobs } from '../prior/jobs';
import type { AdaptiveSweeps } from '../sweeps/adaptive';
import type { SlurmBackend } from '../slurm/backend';
import type { Db } from '../store/db';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations } from '../training/protocol';
import type { SystemInfo } from '../../shared/api';

export interface StudioContext {
  db: Db;
  events: EventHub;
  orchestrator: Orchestrator;
  datasets: DatasetCatalog;
  datasetLocations: DatasetLocations;
  /** The folder beside the database: exports, checkpoints, the Slurm folder. */
  dataDir: string;
  checkpointDir: string;
  evaluations: EvaluationJobs;
  priors: PriorJobs;
  explorer: ExplorerSessions;
  slurm: SlurmBackend;
  /** Bayes sweeps' proposals and Hyperband's rungs. */
  adaptive: AdaptiveSweeps;
  transport: SystemInfo['transport'];
  dbPath: string;
}

/** Reports an import's or a generation's progress as `dataset.progress` events: `datasetProgress(events)(task, name)`. */
export const datasetProgress =
  (events: EventHub) => (task: 'import' | 'generate', name: string) => (done: number, total: number) =>
    events.emit('dataset.progress', { name, task, done, total });

/**
 * Draws the generated sets a run or a sweep names for the first time (shapes, faces-a/b) before a worker needs them,
 * reporting progress, and says `dataset.changed` for each one written, so open views show it at once.
 */
export async function ensureDatasets({ datasets, events }: StudioContext, names: Iterable<string | undefined>): Promise<void> {
  const progress = datasetProgress(events);
  for (const name of new Set(names)) {
    if (!name) continue;
    for (const info of await datasets.ensure(name, progress('generate', name)))
      events.emit('dataset.changed', { name: info.name });
  }
}
