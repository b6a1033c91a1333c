/**
 * `latent-studio export <runId>`: a run's model at its default checkpoint (its best kept one where early stopping ended it, else its newest that verifies), or with `--latents` its test codes, into
 * `--out DIR` here (or the host's exports folder with `--remote`), and what was written. A folder that holds files is
 * refused unless `--overwrite`, which replaces only the entries an export writes.
 */
import { outFolderFlag } from '../out-folder';
import { command, dbAndJson, intFlag, remoteFlags, runIdArg, UsageError, withStudio } from '../runner';

export const exportCommand = command({
  name: 'export',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    out: { type: 'string' },
    latents: { type: 'boolean', default: false },
    epoch: { type: 'string' },
    overwrite: { type: 'boolean', default: false },
  },
  positionals: true,
  async run({ values, positionals }) {
    const runId = runIdArg('export', positionals[0]);
    if (values.remote === undefined && !values.out) throw new UsageError('export needs --out DIR');
    if (values.remote !== undefined && values.out !== undefined) {
      throw new UsageError(
        '--out names a folder on this machine; with --remote the host writes into its own exports folder, on its machine, and prints where (copy it with scp)',
      );
    }
    const epoch = intFlag('epoch', values.epoch);
    if (epoch !== undefined && !values.latents)
      throw new UsageError(
        '--epoch goes with --latents (a model export uses the default checkpoint: the best kept where early stopping ended the run, else the newest)',
      );
    if (values.remote !== undefined && values.overwrite)
      throw new UsageError('--overwrite goes with --out: with --remote every export gets a new folder on the host');
    // Refused before any work: an export replaces nothing unless told to, and writes its folder whole or not at all.
    const outDir = values.out === undefined ? undefined : outFolderFlag(values.out, values.overwrite, 'an export');
    const options = { overwrite: values.overwrite };
    return withStudio(values, '', async (studio) => {
      // A remote export lies on the host's machine: the JSON line names the host, the text says so.
      const where = (dir: string) => (studio.remote ? `${dir} on the host of ${studio.remote}` : dir);
      const host = studio.remote ? { host: studio.remote } : {};
      if (values.latents) {
        // The test codes, labels and factors as NPY and CSV, so any figure can be recomputed elsewhere.
        const result = await studio.exportLatents(runId, outDir, epoch, options);
        if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ...host })}\n`);
        else {
          process.stdout.write(
            `run ${runId} (checkpoint of epoch ${result.epoch}): ${result.count} test codes of ${result.dim} dimensions in ${where(result.outDir)}:\n`,
          );
          for (const f of result.files) process.stdout.write(`  ${f}\n`);
        }
        return 0;
      }
      const result = await studio.exportRun(runId, outDir, options);
      if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ...host })}\n`);
      else {
        process.stdout.write(`run ${runId} (checkpoint of epoch ${result.epoch}) exported to ${where(result.outDir)}:\n`);
        for (const f of result.files) process.stdout.write(`  ${f}\n`);
      }
      return 0;
    });
  },
});
