/**
 * `latent-studio sample <runId>`: PNG samples of a run's model, drawn here or at `--remote` through the contract and
 * written into `--out DIR` on this machine.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWhole } from '../../core/out-folder';
import { SampleRequest } from '../../shared/prior';
import { outFolderFlag } from '../out-folder';
import { command, dbAndJson, looseNumber, refusedRequest, remoteFlags, runIdArg, UsageError, withStudio } from '../runner';

const sampleName = (i: number) => `sample-${String(i).padStart(4, '0')}.png`;

/**
 * Writes N samples of a run's model as PNGs (sample-0000.png, …) into --out: z ~ N(0, I) decoded for the VAE families,
 * N per class for the CVAE (or of --class C), code grids from the learned prior for a VQ-VAE that has one. The same
 * seed writes the same bytes. A folder that holds files is refused unless --overwrite, which also removes the samples
 * of an earlier, larger set. Prints what it wrote (one JSON line with --json).
 */
export const sampleCommand = command({
  name: 'sample',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    seed: { type: 'string' },
    n: { type: 'string' },
    out: { type: 'string' },
    class: { type: 'string' },
    temperature: { type: 'string' },
    overwrite: { type: 'boolean', default: false },
  },
  positionals: true,
  async run({ values, positionals }) {
    const runId = runIdArg('sample', positionals[0]);
    if (values.n === undefined) throw new UsageError('sample needs --n N (how many samples; per class for a cvae)');
    if (!values.out) throw new UsageError('sample needs --out DIR (the folder the PNGs are written to, on this machine)');
    const out = outFolderFlag(values.out, values.overwrite, 'sample');
    const request = SampleRequest.safeParse({
      runId,
      n: looseNumber(values.n),
      seed: looseNumber(values.seed),
      class: looseNumber(values.class),
      temperature: looseNumber(values.temperature),
    });
    if (!request.success) throw refusedRequest('sample', request.error);
    return withStudio(values, 'sample refused: ', async (studio) => {
      const set = await studio.api['runs.sample'](request.data);
      const { files } = await writeWhole(out, { overwrite: values.overwrite }, async (dir) => ({
        files: set.samples.map((s, i) => {
          const file = join(dir, sampleName(i));
          writeFileSync(file, Buffer.from(s.png, 'base64'));
          return file;
        }),
      }));
      // Replaced samples of an earlier, larger set would read as this one's.
      for (const name of readdirSync(out)) {
        const index = /^sample-(\d{4,})\.png$/.exec(name)?.[1];
        if (index !== undefined && Number(index) >= files.length) rmSync(join(out, name));
      }
      const from =
        set.source === 'prior'
          ? `its learned prior (job ${set.priorJobId}, temperature ${set.temperature ?? 1})`
          : set.source === 'conditional'
            ? values.class !== undefined
              ? `z ~ N(0, I) with class ${values.class}`
              : 'z ~ N(0, I) with each class'
            : set.source === 'mixture'
              ? "z from the model's own prior (its mixture of Gaussians)"
              : set.source === 'vamp'
                ? 'z from the VampPrior (its pseudo-inputs)'
                : 'z ~ N(0, I)';
      if (values.json) {
        const labels = set.samples.map((s) => s.label);
        process.stdout.write(
          `${JSON.stringify({
            runId: set.runId,
            family: set.family,
            source: set.source,
            epoch: set.epoch,
            seed: set.seed,
            ...(set.priorJobId !== null ? { priorJobId: set.priorJobId, temperature: set.temperature } : {}),
            out,
            files,
            ...(labels.some((l) => l !== null) ? { labels } : {}),
          })}\n`,
        );
      } else {
        process.stdout.write(
          `wrote ${files.length} samples of run ${set.runId} (${set.family}, epoch ${set.epoch}, from ${from}, seed ${set.seed}) to ${out}\n`,
        );
      }
      return 0;
    });
  },
});
