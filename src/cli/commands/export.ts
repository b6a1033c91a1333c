/**
 * `latent-studio export <runId>`: a run's model at its last good checkpoint, or with `--latents` its test codes, into
 * `--out DIR` here (or the host's exports folder with `--remote`), and what was written.
 */
import { resolve as resolvePath } from 'node:path';
import { outFolderProblem } from '../out-folder';
import { command, dbAndJson, intFlag, remoteFlags, runIdArg, UsageError, withStudio } from '../runner';

export const exportCommand = command({
  name: 'export',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    out: { type: 'string' },
    latents: { type: 'boolean', default: false },
    epoch: { type: 'string' },
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
      throw new UsageError('--epoch goes with --latents (a model export uses the last good checkpoint)');
    const outProblem = values.out === undefined ? null : outFolderProblem(values.out);
    if (outProblem) throw new UsageError(`--out ${values.out}: ${outProblem}; name a folder to write into`);
    return withStudio(values, '', async (studio) => {
      const outDir = values.out === undefined ? undefined : resolvePath(values.out);
      // A remote export lies on the host's machine: the JSON line names the host, the text says so.
      const where = (dir: string) => (studio.remote ? `${dir} on the host of ${studio.remote}` : dir);
      const host = studio.remote ? { host: studio.remote } : {};
      if (values.latents) {
        // The test codes, labels and factors as NPY and CSV, so any figure can be recomputed elsewhere.
        const result = await studio.exportLatents(runId, outDir, epoch);
        if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ...host })}\n`);
        else {
          process.stdout.write(
            `run ${runId} (checkpoint of epoch ${result.epoch}): ${result.count} test codes of ${result.dim} dimensions in ${where(result.outDir)}:\n`,
          );
          for (const f of result.files) process.stdout.write(`  ${f}\n`);
        }
        return 0;
      }
      const result = await studio.exportRun(runId, outDir);
      if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ...host })}\n`);
      else {
        process.stdout.write(`run ${runId} (checkpoint of epoch ${result.epoch}) exported to ${where(result.outDir)}:\n`);
        for (const f of result.files) process.stdout.write(`  ${f}\n`);
      }
      return 0;
    });
  },
});
