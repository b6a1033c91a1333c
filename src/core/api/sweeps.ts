/** The sweeps' commands: plan and create (here or on a Slurm cluster), read, cancel and resume as a whole. */
import { readFileSync, statSync } from 'node:fs';
import type { Api } from '../../shared/api';
import type { SweepPoint } from '../../shared/sweep';
import { objectiveWarnings, planSweep } from '../sweeps/plan';
import { ApiError } from '../errors';
import { withPinnedEvaluation } from '../evaluation/sweep-settings';
import { SlurmCommandError } from '../slurm/commands';
import { addWarning, supervisorAlive } from '../store/runs';
import { deleteSweep, getSweepSpec, insertSweep, listSweeps, setSweepState, sweepIdByName, sweepRuns } from '../store/sweeps';
import { adoptQueuedTraining } from '../store/train-jobs';
import { configHash } from '../training/config-hash';
import { sweepRungs } from '../store/rungs';
import { ensureDatasets, type StudioContext } from './context';
import { runHelpers } from './runs';

/** A batch script is a few dozen lines; anything far larger at its path is not one the studio wrote. */
const scriptLimitBytes = 1 << 20;

export function sweepsApi(
  ctx: StudioContext,
): Pick<Api, 'sweeps.create' | 'sweeps.list' | 'sweeps.get' | 'sweeps.script' | 'sweeps.cancel' | 'sweeps.resume'> {
  const { db, events, orchestrator, datasets, slurm } = ctx;
  const { resumeRun } = runHelpers(ctx);
  const requireSweep = (sweepId: number) => {
    const [sweep] = listSweeps(db, sweepId);
    if (!sweep) throw new ApiError('not_found', `sweep ${sweepId} does not exist`);
    return sweep;
  };

  return {
    'sweeps.create': async ({ spec, dryRun, slurm: slurmOptions }) => {
      let points: SweepPoint[];
      try {
        if (sweepIdByName(db, spec.name) !== undefined) {
          throw new ApiError('bad_request', `name: a sweep named ${spec.name} exists; choose another name`, [
            { path: 'name', message: `a sweep named ${spec.name} exists` },
          ]);
        }
        points = planSweep(spec, datasets).points;
      } catch (e) {
        if (dryRun && e instanceof ApiError && e.issues) return { sweepId: null, runs: [], issues: e.issues };
        throw e;
      }
      const warnings = objectiveWarnings(spec);
      if (dryRun)
        return {
          sweepId: null,
          runs: points.map((p) => ({ runId: null, name: p.name, params: p.params })),
          issues: [],
          ...(warnings.length > 0 ? { warnings } : {}),
        };
      await ensureDatasets(
        ctx,
        points.flatMap((p) => [p.config.dataset.name, p.config.dataset.second]),
      );
      const { sweepId, runIds } = insertSweep(
        db,
        withPinnedEvaluation(spec),
        points,
        configHash,
        slurmOptions ? 'slurm' : 'local',
      );
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
      ctx.adaptive.advance(sweepId);
      return {
        sweepId,
        runs: points.map((p, i) => ({ runId: runIds[i] ?? null, name: p.name, params: p.params })),
        issues: [],
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    },
    'sweeps.list': async () => listSweeps(db),
    'sweeps.get': async ({ sweepId }) => {
      const sweep = requireSweep(sweepId);
      const spec = getSweepSpec(db, sweepId);
      if (!spec) throw new ApiError('not_found', `sweep ${sweepId} does not exist`);
      return { ...sweep, spec, runs: sweepRuns(db, sweepId), rungs: sweepRungs(db, sweepId) };
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
      const { state } = requireSweep(sweepId);
      setSweepState(db, sweepId, 'cancelled');
      const active = sweepRuns(db, sweepId).filter((r) => r.status === 'queued' || r.status === 'running');
      // Queued runs first, so none starts in a slot a cancelled one frees.
      const order = [...active.filter((r) => r.status === 'queued'), ...active.filter((r) => r.status === 'running')];
      for (const r of order) orchestrator.cancel(r.runId);
      // A Slurm sweep's tasks go in one scancel; refused, they go on, and the caller hears so.
      const refused = (
        await Promise.all(order.map((r) => slurm.cancelOutcome(r.runId, () => orchestrator.uncancel(r.runId))))
      ).filter((m): m is string => m !== null);
      if (refused.length > 0) {
        // Its runs go on, so does the sweep (a bayes sweep proposes again; a follower waits on).
        setSweepState(db, sweepId, state);
        events.emit('sweep.changed', { sweepId });
        throw new ApiError(
          'conflict',
          `sweep ${sweepId}: ${refused.length} of its runs go on (${refused[0]}); cancel again once the cluster answers`,
        );
      }
      await Promise.all(order.map((r) => orchestrator.whenEnded(r.runId)));
      events.emit('sweep.changed', { sweepId });
      return requireSweep(sweepId);
    },
    'sweeps.resume': async ({ sweepId }) => {
      requireSweep(sweepId);
      setSweepState(db, sweepId, 'active');
      adoptQueuedTraining(db, sweepId, supervisorAlive);
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
      ctx.adaptive.advance(sweepId);
      events.emit('sweep.changed', { sweepId });
      return requireSweep(sweepId);
    },
  };
}
