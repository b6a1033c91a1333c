/** The runs table: each run's differing config fields, final metrics and evaluation figures, in a few queries. */
import { trainingSecondsKey, type Api, type RunDetail } from '../../shared/api';
import { trainedSeconds } from '../../shared/attempts';
import { differingFields, flattenConfig } from '../../shared/sweep';
import { latestEvaluationFigures } from '../store/evaluations';
import { defaultEpoch } from '../export';
import { labelsOf } from '../store/labels';
import { lastTestEpochs, latestByRun, runsWithConfigs, slurmRunInfo, type SlurmTaskRecord } from '../store/runs';
import type { StudioContext } from './context';

export function runsTableApi({ db }: StudioContext): Pick<Api, 'runs.table'> {
  return {
    'runs.table': async ({ experiment, sweepId, runIds }) => {
      const rows = runsWithConfigs(db, { experiment, sweepId, runIds });
      const latest = latestByRun(db, runIds ?? rows.map((r) => r.id));
      // Each run's evaluation figures, as `eval.<name>` columns beside its final metrics (one more query).
      const evaluated = latestEvaluationFigures(db, runIds ?? rows.map((r) => r.id));
      const configs = rows.map((r) => flattenConfig(JSON.parse(r.config_json)));
      const swept = [...new Set(rows.flatMap((r) => (r.sweep_params ? Object.keys(JSON.parse(r.sweep_params) as object) : [])))];
      // The family has a column of its own: a comparison of families would otherwise show it twice.
      const differing = differingFields(configs, ['name', 'experiment', 'family']);
      const sweptDiffering = swept.filter((f) => differing.includes(f));
      const fields = [...sweptDiffering, ...differing.filter((f) => !swept.includes(f))];
      // Runs that ended before their last epoch: their final figures are of the epoch they reached.
      const short = lastTestEpochs(
        db,
        rows.filter((r) => r.status !== 'completed' && r.status !== 'queued' && r.status !== 'running').map((r) => r.id),
      );
      const metricKeys = new Set<string>();
      const tableRows = rows.map((r, i) => {
        const metrics: Record<string, number> = {};
        for (const m of latest.get(r.id) ?? []) {
          metrics[`${m.split}.${m.name}`] = m.value;
          metricKeys.add(`${m.split}.${m.name}`);
        }
        // The checkpoint a run is judged at (its best where early stopping ended it, else its newest): an evaluation
        // of another one (before an extension, or chosen) says its epoch. Read only for runs with evaluations.
        const figures = evaluated.get(r.id);
        const judgedAt = figures ? (defaultEpoch(db, r.id)?.epoch ?? null) : null;
        const staleEvaluations: Record<string, number> = {};
        for (const [name, { value, epoch }] of Object.entries(figures ?? {})) {
          metrics[`eval.${name}`] = value;
          metricKeys.add(`eval.${name}`);
          if (judgedAt !== null && epoch !== judgedAt) staleEvaluations[`eval.${name}`] = epoch;
        }
        // How long a run that trained to its end (or its rung) trained: its starts summed, waits and pauses left out.
        const interruptions = JSON.parse(r.interruptions) as RunDetail['interruptions'];
        const history = { starts: r.train_starts, seconds: r.trained_seconds };
        const ended = r.status === 'completed' || r.status === 'stopped';
        const seconds = ended ? trainedSeconds({ startedAt: r.started_at, endedAt: r.ended_at, interruptions }, history) : null;
        if (seconds !== null) {
          metrics[trainingSecondsKey] = seconds;
          metricKeys.add(trainingSecondsKey);
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
          ...(Object.keys(staleEvaluations).length > 0 ? { staleEvaluations } : {}),
          ...(short.has(r.id) ? { endedAtEpoch: short.get(r.id) } : {}),
          ...labelsOf(r),
          ...(r.executor === 'slurm' && r.slurm_json ? { slurm: slurmRunInfo(JSON.parse(r.slurm_json) as SlurmTaskRecord) } : {}),
        };
      });
      // In natural order: a per-dimension figure's dimensions 0, 1, 2 … 10, not 0, 1, 10, 11 … 2.
      const metrics = [...metricKeys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      return { fields, swept: sweptDiffering, metrics, rows: tableRows };
    },
  };
}
