/** The runs' commands: start, resume, cancel, delete, read, export. */
import { finishedStatuses, type Api } from '../../shared/api';
import { pretrainingEpochs, trainingObjective, trainingPhases, untrainedDecoder } from '../../families/run-config';
import { describeIssues, TrainingConfig } from '../../shared/config';
import { ApiError } from '../errors';
import { defaultEpoch, exportRun, newestGoodCheckpoint } from '../export';
import { runLatents } from '../evaluation/latent-images';
import { writeLatents } from '../evaluation/latents-files';
import { writeWhole } from '../out-folder';
import { insideRoot } from '../paths';
import { checkRun } from '../run-checks';
import { readCurves, readMetrics } from '../store/metrics';
import {
  addWarning,
  deleteRun,
  getRun,
  getRunStatus,
  listRuns,
  requeueForResume,
  RunNotStoppedError,
  stoppedEarlyOf,
} from '../store/runs';
import { getJob, listJobs } from '../store/jobs';
import { checkpointPathInUse, listCheckpoints } from '../store/checkpoints';
import { trainJobHeldElsewhere, trainJobSupervisor } from '../store/train-jobs';
import { removeCheckpointFile, removeRunFiles } from '../training/checkpoint-files';
import { DatasetError } from '../datasets/catalog';
import { ensureDatasets, type StudioContext } from './context';

/** A run by id, or a refusal naming it; and `resumeRun`, which runs.resume and sweeps.resume share. */
export function runHelpers(ctx: StudioContext) {
  const { db, events, orchestrator, datasets, checkpointDir } = ctx;
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
    if (orchestrator.activeRunIds.includes(runId))
      throw new ApiError('conflict', `run ${runId} is ${run.status}, and its worker is still ending: try again`);
    if (run.status === 'completed' && addEpochs === undefined) {
      throw new ApiError('bad_request', `addEpochs: run ${runId} completed; say how many epochs to add`, [
        { path: 'addEpochs', message: 'a completed run is extended by a number of epochs' },
      ]);
    }
    const config = structuredClone(run.config);
    // Epochs past where it ended: a run that early stopping ended at epoch 10 of 50, extended by 5, trains to 15.
    const stoppedAt = stoppedEarlyOf(db, runId)?.epoch;
    const trainedEpochs = stoppedAt === undefined ? config.training.epochs : Math.max(0, stoppedAt - pretrainingEpochs(config));
    if (addEpochs !== undefined) {
      config.training.epochs = trainedEpochs + addEpochs;
      // Within the schema's bound, or the run's config would be one no later run could start from (a clone, a base).
      const most = TrainingConfig.shape.epochs.maxValue ?? Infinity;
      if (config.training.epochs > most)
        throw new ApiError('bad_request', `addEpochs: run ${runId} would train ${config.training.epochs} epochs`, [
          {
            path: 'addEpochs',
            message: `a run trains at most ${most} epochs, and this one has ${trainedEpochs}: add at most ${most - trainedEpochs}`,
          },
        ]);
    }
    const issues = checkRun(config, datasets, true);
    if (issues.length > 0) throw new ApiError('bad_request', `run ${runId} cannot continue: ${describeIssues(issues)}`, issues);
    // The newest checkpoint that verifies; a corrupt or missing one is named and the one before it used.
    const { from, skipped } = newestGoodCheckpoint(db, runId);
    if (run.status === 'completed' && !from) {
      const why = `run ${runId} has no usable checkpoint to continue from${skipped.length ? `: ${skipped.join('; ')}` : ''}`;
      throw new ApiError('conflict', why, [{ path: 'runId', message: why }]);
    }
    let dropped: string[];
    try {
      dropped = requeueForResume(db, runId, config, from);
    } catch (e) {
      if (e instanceof RunNotStoppedError) throw new ApiError('conflict', e.message);
      throw e;
    }
    // Not a file a learned prior was (or is queued to be) trained on: checkpointPathInUse.
    for (const path of dropped) if (!checkpointPathInUse(db, path)) removeCheckpointFile(checkpointDir, path);
    for (const message of skipped) addWarning(db, runId, `resume skipped a checkpoint: ${message}`);
    events.emit('run.status', { runId, status: 'queued', error: null, backend: null });
    orchestrator.schedule();
    const toEpoch = pretrainingEpochs(config) + config.training.epochs;
    return { runId, fromEpoch: from?.epoch ?? 0, epochs: config.training.epochs, toEpoch, skipped };
  };

  /**
   * A run whose images a job needs again (the explorer, an evaluation, a learned prior): a default generated set it
   * names is drawn again if it was deleted; one that cannot be had is refused here, naming the run and the set,
   * rather than failing in a worker as an internal error.
   */
  const requireRunData = async (runId: number) => {
    const run = getRun(db, runId);
    if (!run) throw new ApiError('not_found', `runId: run ${runId} does not exist`, [{ path: 'runId', message: 'no such run' }]);
    const names = [run.config.dataset.name, run.config.dataset.second];
    // A set that is neither stored nor a default one to draw: said below, with the run.
    await ensureDatasets(ctx, names).catch((e: unknown) => {
      if (!(e instanceof DatasetError && e.code === 'not_found')) throw e;
    });
    for (const name of names) {
      if (name === undefined) continue;
      const info = ctx.datasets.info(name);
      if (!info?.available) {
        const why = info?.hint ?? 'no longer here (deleted since it trained?): import or generate it again under that name';
        throw new ApiError('conflict', `runId: run ${runId} was trained on data set ${name}, which is ${why}`, [
          { path: 'runId', message: `data set ${name} is ${why}` },
        ]);
      }
    }
    return run;
  };

  return { requireRun, requireRunData, resumeRun };
}

export function runsApi(
  ctx: StudioContext,
): Pick<
  Api,
  | 'runs.start'
  | 'runs.resume'
  | 'runs.export'
  | 'runs.exportLatents'
  | 'runs.latents'
  | 'runs.list'
  | 'runs.curves'
  | 'runs.get'
  | 'runs.metrics'
  | 'runs.cancel'
  | 'runs.delete'
> {
  const { db, events, orchestrator, datasets, datasetLocations, dataDir, evaluations, explorer, checkpointDir } = ctx;
  const { requireRun, resumeRun } = runHelpers(ctx);
  return {
    'runs.start': async ({ config }) => {
      const issues = checkRun(config, datasets);
      if (issues.length > 0) throw new ApiError('bad_request', `invalid run config: ${describeIssues(issues)}`, issues);
      // Generated sets named for the first time (shapes, faces-a/b) are drawn now, before the worker needs them.
      await ensureDatasets(ctx, [config.dataset.name, config.dataset.second]);
      return { runId: orchestrator.start(config) };
    },
    'runs.resume': async ({ runId, addEpochs }) => {
      // Asked for as the run ends: its worker has posted `done` and has not exited yet (milliseconds).
      if (orchestrator.activeRunIds.includes(runId) && finishedStatuses.includes(getRunStatus(db, runId) ?? 'queued'))
        await orchestrator.whenEnded(runId);
      return resumeRun(runId, addEpochs);
    },
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
      const outDir = insideRoot(dataDir, 'exports', `run-${runId}-latents-${stamp}`);
      return { ...(await writeWhole(outDir, {}, async (dir) => writeLatents(dir, { runId, epoch: at }, latents))), epoch: at };
    },
    'runs.latents': async ({ runId, epoch }) => runLatents(evaluations, datasets, requireRun(runId), epoch),
    'runs.list': async ({ runIds }) => listRuns(db, runIds),
    'runs.curves': async ({ runIds, metrics, maxPoints }) => readCurves(db, runIds, metrics, maxPoints),
    'runs.get': async ({ runId }) => {
      const run = requireRun(runId);
      const decoder = untrainedDecoder(run.config);
      const phases = trainingPhases(run.config);
      const objective = trainingObjective(run.config);
      return {
        ...run,
        ...(objective ? { objective } : {}),
        defaultCheckpoint: defaultEpoch(db, runId),
        pretrainingEpochs: pretrainingEpochs(run.config),
        ...(phases.length > 0 ? { phases } : {}),
        ...(decoder ? { untrainedDecoder: decoder } : {}),
      };
    },
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
          `run ${runId} is ${run.status} under another studio process (${trainJobSupervisor(db, runId) ?? 'unknown'}): cancel it there`,
        );
      }
      // On a cluster the task ends once scancel has gone through; refused, the run goes on, and the caller hears so.
      const refused = await ctx.slurm.cancelOutcome(runId, () => orchestrator.uncancel(runId));
      if (refused !== null)
        throw new ApiError('conflict', `run ${runId} goes on: ${refused}; cancel again once the cluster answers`);
      await orchestrator.whenEnded(runId);
      const status = getRunStatus(db, runId);
      if (!status) throw new ApiError('not_found', `run ${runId} was deleted`);
      return { status };
    },
    'runs.delete': async ({ runId }) => {
      // Checked again after each wait for a job to end: the run may have been started (or another job queued) since.
      for (;;) {
        if (orchestrator.activeRunIds.includes(runId))
          throw new ApiError('conflict', `run ${runId} is still training: cancel it first`);
        // Its rows gone, the studio that trains it would fail at its next write.
        if (trainJobHeldElsewhere(db, runId, orchestrator.staleAfterMs))
          throw new ApiError(
            'conflict',
            `run ${runId} is ${getRunStatus(db, runId)} under another studio process (${trainJobSupervisor(db, runId) ?? 'unknown'}): cancel it there first`,
          );
        // Its evaluations and learned prior stop first: their workers would write into the folder removed below.
        const open = [...listJobs(db, runId, 'evaluate'), ...listJobs(db, runId, 'prior')].filter(
          (job) => job.state === 'queued' || job.state === 'running',
        );
        if (open.length === 0) break;
        for (const job of open) {
          if (!orchestrator.jobs.cancel(job.id) && ['queued', 'running'].includes(getJob(db, job.id)?.state ?? '')) {
            const what = job.kind === 'prior' ? 'learned prior' : 'evaluation';
            throw new ApiError(
              'conflict',
              `run ${runId}'s ${what} (job ${job.id}) runs under another studio process: cancel it there first`,
            );
          }
          await orchestrator.jobs.whenEnded(job.id);
        }
      }
      // From here to the end nothing awaits: no run or job of it can start in between.
      // A run waiting in this studio's queue leaves the queue with it.
      if (getRunStatus(db, runId) === 'queued') orchestrator.cancel(runId);
      // Its checkpoints and priors go with it (ids are reused: a later run of this id would find them): each file by
      // the path its row holds (an older run's may lie in the folder every database once shared), then its folder.
      const files = [
        ...listCheckpoints(db, runId).map((c) => c.path),
        ...listJobs(db, runId, 'prior').flatMap((j) => (j.result as { file?: { path?: string } } | null)?.file?.path ?? []),
      ];
      const deleted = deleteRun(db, runId);
      if (deleted) removeRunFiles(checkpointDir, runId, files);
      // Its explorer sessions close: one left open would decode for a run that is gone, then for a later run of its id.
      if (deleted) explorer.closeRun(runId, `run ${runId} was deleted`);
      if (deleted) events.emit('run.deleted', { runId });
      return { deleted };
    },
  };
}
