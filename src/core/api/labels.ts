/** Organising runs and sweeps: rename, tags, notes, star (runs.label, sweeps.label) and the search over them. */
import type { Api } from '../../shared/api';
import { matchesSearch, parseSearch, searchHints } from '../../shared/search';
import { flattenConfig } from '../../shared/sweep';
import { ApiError } from '../errors';
import { labelsOf, setLabels } from '../store/labels';
import { listRuns, runsWithConfigs } from '../store/runs';
import { listSweeps, sweepIdByName } from '../store/sweeps';
import type { StudioContext } from './context';

export function labelsApi({ db, events }: StudioContext): Pick<Api, 'runs.label' | 'sweeps.label' | 'runs.search'> {
  return {
    'runs.label': async ({ runId, ...change }) => {
      if (!setLabels(db, 'runs', runId, change)) throw new ApiError('not_found', `run ${runId} does not exist`);
      const [summary] = listRuns(db, [runId]);
      if (!summary) throw new ApiError('not_found', `run ${runId} does not exist`);
      events.emit('run.labels', summary);
      return summary;
    },
    'sweeps.label': async ({ sweepId, ...change }) => {
      if (change.name !== undefined) {
        const other = sweepIdByName(db, change.name);
        if (other !== undefined && other !== sweepId) {
          throw new ApiError('conflict', `name: a sweep named ${change.name} exists; choose another name`, [
            { path: 'name', message: `a sweep named ${change.name} exists` },
          ]);
        }
      }
      if (!setLabels(db, 'sweeps', sweepId, change)) throw new ApiError('not_found', `sweep ${sweepId} does not exist`);
      const [summary] = listSweeps(db, sweepId);
      if (!summary) throw new ApiError('not_found', `sweep ${sweepId} does not exist`);
      events.emit('sweep.changed', { sweepId });
      return summary;
    },
    'runs.search': async ({ query }) => {
      const terms = parseSearch(query);
      const runs = runsWithConfigs(db, {}).map((r) => ({
        id: r.id,
        name: r.name,
        family: r.family,
        experiment: r.experiment,
        status: r.status,
        config: flattenConfig(JSON.parse(r.config_json)),
        ...labelsOf(r),
      }));
      const runIds = runs
        .filter((r) => matchesSearch(terms, r))
        .map((r) => r.id)
        .reverse();
      const sweepIds = listSweeps(db)
        .filter((s) => matchesSearch(terms, { ...s, family: '', status: s.state }))
        .map((s) => s.id);
      return { runIds, sweepIds, hints: searchHints(query, runs) };
    },
  };
}
