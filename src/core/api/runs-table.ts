/** The runs table: each run's differing config fields, final metrics and evaluation figures, in a few queries. */
import { trainingSeconds, trainingSecondsKey, type Api, type RunDetail } from '../../shared/api';
import { differingFields, flattenConfig } from '../../shared/sweep';
import { latestEvaluationFigures } from '../store/evaluations';
import { labelsOf } from '../store/labels';
import { latestByRun, runsWithConfigs, slurmRunInfo, type SlurmTaskRecord } from '../store/runs';
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
        // How long an ended run trained, its pauses before a resume left out.
        const interruptions = JSON.parse(r.interruptions) as RunDetail['interruptions'];
        const seconds = r.ended_at ? trainingSeconds({ startedAt: r.started_at, endedAt: r.ended_at, interruptions }) : null;
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
          ...labelsOf(r),
          ...(r.executor === 'slurm' && r.slurm_json ? { slurm: slurmRunInfo(JSON.parse(r.slurm_json) as SlurmTaskRecord) } : {}),
        };
      });
      return { fields, metrics: [...metricKeys].sort(), rows: tableRows };
    },
  };
}
