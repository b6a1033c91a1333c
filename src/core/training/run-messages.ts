/** What the scheduler records of each message a training worker (or a Slurm task's log) sends about its run. */
import { ruleSplit, type RunConfig } from '../../shared/config';
import type { MetricPoint } from '../../shared/runs';
import type { EventHub } from '../events';
import { insertArtifact } from '../store/artifacts';
import type { Db } from '../store/db';
import { addWarning, markRunning, recordStoppedEarly } from '../store/runs';
import { epochsBeforeRules } from '../../families/run-config';
import { keepCheckpoint } from './checkpoint-files';
import type { FromWorker, WorkerHandle } from './protocol';
import type { RungWatch } from './rung-watch';

export interface ActiveRun {
  config: RunConfig;
  worker: WorkerHandle;
  pending: MetricPoint[];
  cancelled: boolean;
  /** Trains elsewhere (a Slurm task): outside this machine's limit, and left running when the studio stops. */
  remote: boolean;
  /** Hyperband's rungs for this run (none outside an adaptive sweep). */
  rungs: RungWatch;
}

export interface RunMessageContext {
  db: Db;
  events: EventHub;
  checkpointDir: string;
  /** Writes the run's buffered metrics now. */
  flush(): void;
}

/** Stores one message of a run's worker and tells the studio: the only writer of a running run's records. */
export function handleRunMessage(
  ctx: RunMessageContext,
  runId: number,
  run: ActiveRun,
  m: FromWorker,
  end: (s: 'completed' | 'failed' | 'stopped', e: string | null) => void,
): void {
  const { db, events } = ctx;
  switch (m.type) {
    case 'started':
      markRunning(db, runId, m.environment);
      events.emit('run.status', { runId, status: 'running', error: null, backend: m.environment.backend.name });
      return;
    case 'progress':
      events.emit('run.progress', m.progress);
      return;
    case 'metrics':
      for (const point of m.points) run.pending.push(point);
      // A Slurm task cannot wait for an answer: its run is judged as its rung's metric arrives, and stopped by scancel.
      if (run.remote) {
        const epoch = run.rungs.due(m.points);
        if (epoch !== undefined && run.rungs.at(epoch, () => ctx.flush())) run.worker.kill();
      }
      return;
    case 'rung': {
      // The worker waits for an answer: it gets one (go on) even when judging failed (the error is logged).
      let stop = false;
      try {
        stop = run.rungs.at(m.epoch, () => ctx.flush());
      } finally {
        run.worker.send({ type: 'rungDecision', epoch: m.epoch, stop });
      }
      return;
    }
    case 'artifact':
      ctx.flush();
      events.emit('run.artifact', insertArtifact(db, runId, m.artifact));
      return;
    case 'checkpoint':
      if (run.config.training.checkpoints?.keepBest) ctx.flush();
      keepCheckpoint(
        db,
        ctx.checkpointDir,
        runId,
        m.checkpoint,
        run.config.training.checkpoints,
        epochsBeforeRules(run.config, run.config.training.checkpoints?.keepBest?.metric ?? 'loss'),
        ruleSplit(run.config.dataset),
      );
      events.emit('run.checkpoint', { runId, epoch: m.checkpoint.epoch });
      return;
    case 'warning':
      addWarning(db, runId, m.message);
      events.emit('run.warning', { runId, message: m.message });
      return;
    case 'done':
      if (m.stoppedEarly) recordStoppedEarly(db, runId, m.stoppedEarly);
      if (m.stoppedAtRung !== undefined && run.rungs.stopReason) end('stopped', run.rungs.stopReason);
      else end('completed', null);
      return;
    case 'failed':
      end('failed', m.error);
      return;
    case 'probed':
    case 'probeFailed':
    case 'exported':
    case 'evaluated':
    case 'latents':
    case 'explorerReady':
    case 'decoded':
    case 'encoded':
    case 'callFailed':
    case 'priorEpoch':
    case 'priorTrained':
    case 'sampled':
      return;
  }
}
