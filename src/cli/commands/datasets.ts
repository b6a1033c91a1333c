/**
 * `latent-studio datasets`: the data sets a studio can train on, here or at `--remote`; and what the data set tasks
 * (`import`, `generate`) share: their refusals and their progress line.
 */
import { DatasetError } from '../../core/datasets/catalog';
import { DatasetFileError } from '../../core/datasets/idx';
import { DatasetExistsError } from '../../core/datasets/store';
import { catalogFor, command, dbAndJson, openCli, printTable, remoteFlags, UsageError } from '../runner';

function bytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`;
}

export const datasets = command({
  name: 'datasets',
  flags: { ...dbAndJson, ...remoteFlags },
  async run({ values }) {
    let list;
    if (values.remote === undefined && values['token-file'] === undefined) list = catalogFor(values.db).list();
    else {
      // The host's data sets: what its runs can train on.
      const studio = await openCli(values);
      try {
        list = await studio.api['datasets.list']({});
      } finally {
        await studio.close();
      }
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
      return 0;
    }
    const rows = list.map((d) => [
      d.name,
      d.kind,
      `${d.height}x${d.width}x${d.channels}`,
      String(d.trainCount),
      String(d.testCount),
      d.classes > 0 ? String(d.classes) : '-',
      d.factors.length > 0 ? d.factors.map((f) => f.name).join(',') : '-',
      !d.available ? `missing: ${d.hint}` : !d.stored ? 'generated on first use' : bytes(d.sizeBytes),
    ]);
    const header = ['name', 'kind', 'image', 'train', 'test', 'classes', 'factors', 'stored'];
    printTable(header, rows);
    return 0;
  },
});

/** Runs a data set task, turning a refusal (bad file, taken name) into a one-line error and exit code 2. */
export async function datasetTask<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (e) {
    if (e instanceof DatasetFileError || e instanceof DatasetError || e instanceof DatasetExistsError)
      throw new UsageError(e.message);
    throw e;
  }
}

export function progressLine(label: string): (done: number, total: number) => void {
  return (done, total) => process.stderr.write(`${label}: ${done}/${total}\r${done === total ? '\n' : ''}`);
}
