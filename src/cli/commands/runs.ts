/**
 * `latent-studio runs`: the runs of a studio, as a table, JSON or CSV; with `--experiment` or `--sweep`, the runs
 * table of the UI (the config fields that differ and the final test metrics); with `--search`, the runs that match;
 * with `--pareto`, only the runs no other beats on every objective.
 */
import type { RunsTable, RunSummary } from '../../shared/api';
import { ObjectiveError, paretoFront, parseObjectives, type Objective } from '../../shared/pareto';
import { isPerDimensionMetric, runsTableCsv } from '../../shared/runs-table';
import { unsetMeaning } from '../../shared/config-unset';
import { command, dbAndJson, fmt, intFlag, printTable, remoteFlags, UsageError, withStudio } from '../runner';

function latestValue(run: RunSummary, split: string, name: string): number | undefined {
  return run.latest.find((m) => m.split === split && m.name === name)?.value;
}

function objectivesOf(text: string | undefined): Objective[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseObjectives(text);
  } catch (e) {
    if (e instanceof ObjectiveError) throw new UsageError(`--pareto: ${e.message}`);
    throw e;
  }
}

/** An objective's value in a row: a final metric (`test.loss`) or a numeric config field (`training.learningRate`). */
function objectiveValue(row: RunsTable['rows'][number], key: string): number | undefined {
  const v = key in row.metrics ? row.metrics[key] : row.config[key];
  return typeof v === 'number' ? v : undefined;
}

/** The table's rows no other row beats on every objective; an objective no row has is refused by name. */
function front(table: RunsTable, objectives: readonly Objective[]): RunsTable {
  for (const { key } of objectives) {
    if (!table.rows.some((r) => objectiveValue(r, key) !== undefined)) {
      throw new UsageError(`--pareto: ${key} is neither a metric these runs report nor a numeric config field of theirs`);
    }
  }
  // The front of finished models: a run still training, failed or stopped early has no final figures to trade.
  const completed = table.rows.filter((r) => r.status === 'completed');
  const left = table.rows.length - completed.length;
  if (left > 0) process.stderr.write(`--pareto: ${left} run${left === 1 ? '' : 's'} not completed left out of the front\n`);
  const rows = paretoFront(
    completed,
    (r) => objectives.map((o) => objectiveValue(r, o.key)),
    objectives.map((o) => o.goal),
  );
  // The objectives that are config fields are shown, whether or not they differ.
  const fields = [
    ...table.fields,
    ...objectives.map((o) => o.key).filter((k) => !table.metrics.includes(k) && !table.fields.includes(k)),
  ];
  return { ...table, fields, rows };
}

/** An empty answer says so on stderr, with what was asked (stdout keeps its header or [] for scripts). */
function sayNone(
  values: { search?: string | undefined; experiment?: string | undefined },
  sweepId: number | undefined,
  hints: readonly string[] = [],
): void {
  const asked = [
    values.search !== undefined ? `matching "${values.search}"` : '',
    values.experiment !== undefined ? `in experiment "${values.experiment}"` : '',
    sweepId !== undefined ? `in sweep ${sweepId}` : '',
  ].filter(Boolean);
  process.stderr.write(`no runs${asked.length ? ` ${asked.join(', ')}` : ' yet'}\n`);
  for (const hint of hints) process.stderr.write(`${hint}\n`);
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
    pareto: { type: 'string' },
  },
  async run({ values }) {
    const sweepId = intFlag('sweep', values.sweep);
    const objectives = objectivesOf(values.pareto);
    return withStudio(values, '', async (studio) => {
      // The search of the sidebar and the table (src/shared/search.ts): names, tags, notes, `path=value`.
      const found = values.search !== undefined ? await studio.api['runs.search']({ query: values.search }) : undefined;
      const runIds = found?.runIds;
      // Why a search found nothing, where its words say (a host of an earlier version answers without hints).
      const hints = found?.hints ?? [];
      // A sweep that does not exist is refused by name (sweeps.get), not shown as an empty table.
      if (sweepId !== undefined) await studio.api['sweeps.get']({ sweepId });
      if (values.csv || values.experiment !== undefined || sweepId !== undefined || objectives) {
        // The runs table of the UI: differing config fields and final test metrics, one row per run.
        const whole = await studio.api['runs.table']({
          ...(values.experiment !== undefined ? { experiment: values.experiment } : {}),
          ...(sweepId !== undefined ? { sweepId } : {}),
          ...(runIds ? { runIds } : {}),
        });
        // With --pareto, only the runs on the front, and the objectives among the columns.
        const table = objectives ? front(whole, objectives) : whole;
        const metricColumns = [
          ...table.metrics.filter((m) => m.startsWith('test.')),
          ...(objectives ?? []).map((o) => o.key).filter((k) => table.metrics.includes(k) && !k.startsWith('test.')),
        ];
        if (table.rows.length === 0) sayNone(values, sweepId, hints);
        if (values.csv) process.stdout.write(runsTableCsv(table, { metrics: metricColumns }));
        else if (values.json) process.stdout.write(`${JSON.stringify(table)}\n`);
        else {
          // A per-dimension figure (a VAE's KL of each latent dimension) is a column per dimension: left to the CSV
          // and JSON, as the UI's table leaves it to its metric picker, so the table fits a terminal.
          const families = await studio.api['families.list']({});
          const metrics = metricColumns.filter((m) => !isPerDimensionMetric(m, families));
          printTable(
            ['id', 'name', 'status', ...table.fields, ...metrics],
            table.rows.map((r) => [
              String(r.id),
              r.name,
              r.status,
              // A field the run leaves unset reads as what that means (a clip norm: off), as in the UI's table; one
              // it does not have (another family's) as a missing metric does.
              ...table.fields.map((f) =>
                r.config[f] !== undefined
                  ? JSON.stringify(r.config[f])
                  : (unsetMeaning(f, r.config, families.find((x) => x.id === r.family)?.modelSchema) ?? '-'),
              ),
              ...metrics.map((m) => fmt(r.metrics[m])),
            ]),
          );
          if (metrics.length < metricColumns.length)
            process.stdout.write(
              `(per-dimension figures left out: ${metricColumns.length - metrics.length} columns; --csv or --json has them)\n`,
            );
        }
        return 0;
      }
      const list = await studio.api['runs.list'](runIds ? { runIds } : {});
      if (list.length === 0) sayNone(values, sweepId, hints);
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
