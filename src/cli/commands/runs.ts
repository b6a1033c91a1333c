/**
 * `latent-studio runs`: the runs of a studio, as a table, JSON or CSV; with `--experiment` or `--sweep`, the runs
 * table of the UI (the config fields that differ and the final test metrics); with `--search`, the runs that match.
 */
import type { RunSummary } from '../../shared/api';
import { runsTableCsv } from '../../shared/runs-table';
import { command, dbAndJson, fmt, intFlag, printTable, remoteFlags, withStudio } from '../runner';

function latestValue(run: RunSummary, split: string, name: string): number | undefined {
  return run.latest.find((m) => m.split === split && m.name === name)?.value;
}

export const runs = command({
  name: 'runs',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    experiment: { type: 'string' },
    sweep: { type: 'string' },
    csv: { type: 'boolean', default: false },
    search: { type: 'string' },
  },
  async run({ values }) {
    const sweepId = intFlag('sweep', values.sweep);
    return withStudio(values, '', async (studio) => {
      // The search of the sidebar and the table (src/shared/search.ts): names, tags, notes, `path=value`.
      const runIds = values.search !== undefined ? (await studio.api['runs.search']({ query: values.search })).runIds : undefined;
      if (values.csv || values.experiment !== undefined || sweepId !== undefined) {
        // The runs table of the UI: differing config fields and final test metrics, one row per run.
        const table = await studio.api['runs.table']({
          ...(values.experiment !== undefined ? { experiment: values.experiment } : {}),
          ...(sweepId !== undefined ? { sweepId } : {}),
          ...(runIds ? { runIds } : {}),
        });
        if (values.csv) process.stdout.write(runsTableCsv(table));
        else if (values.json) process.stdout.write(`${JSON.stringify(table)}\n`);
        else {
          const metrics = table.metrics.filter((m) => m.startsWith('test.'));
          printTable(
            ['id', 'name', 'status', ...table.fields, ...metrics],
            table.rows.map((r) => [
              String(r.id),
              r.name,
              r.status,
              ...table.fields.map((f) => JSON.stringify(r.config[f] ?? null)),
              ...metrics.map((m) => fmt(r.metrics[m])),
            ]),
          );
        }
        return 0;
      }
      const list = await studio.api['runs.list'](runIds ? { runIds } : {});
      if (values.json) process.stdout.write(`${JSON.stringify(list)}\n`);
      else {
        const rows = list.map((r) => [
          String(r.id),
          r.name,
          // A run that early stopping ended is completed before its last epoch: say where it stopped.
          r.stoppedEarly ? `${r.status} (stopped early after ${r.stoppedEarly.epoch})` : r.status,
          String(r.epochs),
          fmt(latestValue(r, 'train', 'loss')),
          fmt(latestValue(r, 'test', 'loss')),
          r.backend ?? '-',
          r.createdAt.slice(0, 19).replace('T', ' '),
        ]);
        const header = ['id', 'name', 'status', 'epochs', 'train loss', 'test loss', 'backend', 'created'];
        printTable(header, rows);
      }
      return 0;
    });
  },
});
