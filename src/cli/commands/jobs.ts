/**
 * `latent-studio jobs`: the studio's work not over, of every kind (training, evaluations, learned priors): what holds
 * a worker, then the queue in the order it starts, then what waits on a Slurm cluster; here or at `--remote`.
 */
import { command, dbAndJson, openCli, printTable, remoteFlags } from '../runner';

export const jobs = command({
  name: 'jobs',
  flags: { ...dbAndJson, ...remoteFlags },
  async run({ values }) {
    const studio = await openCli(values);
    let list;
    try {
      list = await studio.api['jobs.list']({});
    } finally {
      await studio.close();
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
      return 0;
    }
    if (list.length === 0) {
      process.stdout.write('nothing is running or waiting\n');
      return 0;
    }
    const rows = list.map((j) => [
      String(j.id),
      j.kind,
      `${j.runName} (run ${j.runId})`,
      j.state,
      j.detail,
      j.executor === 'slurm' ? 'Slurm' : (j.holder ?? '-'),
    ]);
    printTable(['job', 'kind', 'run', 'state', 'what', 'held by'], rows);
    return 0;
  },
});
