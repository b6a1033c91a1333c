/**
 * `latent-studio prior` (a VQ-VAE run's learned prior, trained in a worker) and `latent-studio sample` (PNG samples
 * of a run's model). Both work on a studio opened here or at `--remote`, through the contract.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { StudioEvent } from '../shared/api';
import { outFolderProblem } from './out-folder';
import { PriorRequest, SampleRequest, type Prior } from '../shared/prior';
import { describeIssues, fieldIssues } from '../shared/config';
import { ApiError } from '../core/errors';
import type { CliStudio } from './remote';

export interface CliDeps {
  /** The studio on `--db`, or the host at `--remote` (main.ts's openCli). */
  open(values: { db?: string | undefined; remote?: string | undefined; 'token-file'?: string | undefined }): Promise<CliStudio>;
  /** An error the CLI reports as a refusal (exit 2). */
  usage(message: string): Error;
}

const flags = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  remote: { type: 'string' },
  'token-file': { type: 'string' },
  seed: { type: 'string' },
} as const;

function number(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() === '' || !Number.isFinite(n) ? Number.NaN : n;
}

const bits = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));
/** Whether a prior's status is an ending (completed, failed, cancelled). */
const over = (status: string) => status === 'completed' || status === 'failed' || status === 'cancelled';

/**
 * Trains a VQ-VAE run's PixelCNN prior and prints one JSON line with its figures, in bits per code position:
 * `{"jobId":1,"runId":3,"status":"completed","nll_bits":…,"unigram_bits":…,"uniform_bits":…,"curve":[…],"seconds":…}`.
 * Exits 0 when it completes, 1 when it fails, 2 when the request is refused (naming the field).
 */
export async function priorCommand(args: string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...flags, epochs: { type: 'string' } } });
  if (positionals[0] === undefined) throw deps.usage('prior needs a runId: latent-studio prior <runId> [--epochs N]');
  const request = PriorRequest.safeParse({
    runId: number(positionals[0]),
    epochs: number(values.epochs),
    seed: number(values.seed),
  });
  if (!request.success) throw deps.usage(`prior refused: ${describeIssues(fieldIssues(request.error))}`);
  const started = performance.now();
  const studio = await deps.open(values);
  try {
    let jobId = 0; // until prior.start answers (ids start at 1)
    let settle: (() => void) | undefined;
    const ended = new Promise<void>((r) => (settle = r));
    const early: StudioEvent[] = [];
    const onEvent = (e: StudioEvent) => {
      if (e.name !== 'prior.status') return;
      if (jobId === 0) return void early.push(e);
      const p = e.payload;
      if (p.jobId !== jobId) return;
      if (!values.json) {
        const line =
          p.status === 'running' && p.epoch !== null
            ? `prior epoch ${p.epoch}/${p.epochs}: test NLL ${bits(p.figures['nll_bits'])} bits/position` +
              ` (train ${bits(p.figures['train_nll_bits'])})`
            : `prior ${p.jobId}: ${p.status}${p.error ? ` (${p.error})` : ''}`;
        process.stderr.write(`${line}\n`);
      }
      if (over(p.status)) settle?.();
    };
    studio.events.on(onEvent);
    jobId = (await studio.api['prior.start'](request.data)).jobId;
    for (const e of early.splice(0)) onEvent(e);
    const onSignal = () => {
      // Here the prior is cancelled (its worker killed); a host's goes on.
      const cancel = studio.remote ? Promise.resolve() : studio.api['jobs.cancel']({ jobId }).then(() => undefined);
      void cancel.finally(() => studio.close()).finally(() => process.exit(1));
      if (studio.remote) process.stderr.write(`prior ${jobId} goes on at ${studio.remote}\n`);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // Events settle it; a poll covers a host whose event stream dropped one.
    let prior: Prior | null = null;
    const mine = async () => {
      const p = await studio.api['prior.get']({ runId: request.data.runId });
      return p && p.jobId === jobId ? p : null;
    };
    const poll = setInterval(() => {
      void mine().then(
        (p) => {
          if (p && over(p.status)) settle?.();
        },
        () => undefined,
      );
    }, 2000);
    try {
      await ended;
    } finally {
      clearInterval(poll);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    prior = await mine();
    if (!prior)
      throw new Error(`prior ${jobId} of run ${request.data.runId} is gone (its run was deleted, or a newer prior replaced it)`);
    const result = {
      jobId,
      runId: prior.runId,
      status: prior.status,
      epochs: prior.epochs,
      seed: prior.seed,
      checkpointEpoch: prior.checkpointEpoch,
      ...prior.figures,
      curve: prior.curve,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      ...(prior.error ? { error: prior.error } : {}),
    };
    if (!values.json && prior.status === 'completed') {
      process.stderr.write(
        `prior of run ${prior.runId}: test NLL ${bits(prior.figures['nll_bits'])} bits/position; ` +
          `unigram entropy of the test codes ${bits(prior.figures['unigram_bits'])}, uniform ${bits(prior.figures['uniform_bits'])}\n`,
      );
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return prior.status === 'completed' ? 0 : 1;
  } catch (e) {
    if (e instanceof ApiError) throw deps.usage(`prior refused: ${e.message}`);
    throw e;
  } finally {
    await studio.close();
  }
}

/**
 * Writes N samples of a run's model as PNGs (sample-0000.png, …) into --out: z ~ N(0, I) decoded for the VAE families,
 * N per class for the CVAE (or of --class C), code grids from the learned prior for a VQ-VAE that has one. The same
 * seed writes the same bytes. Prints what it wrote (one JSON line with --json).
 */
export async function sampleCommand(args: string[], deps: CliDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...flags, n: { type: 'string' }, out: { type: 'string' }, class: { type: 'string' } },
  });
  if (positionals[0] === undefined) throw deps.usage('sample needs a runId: latent-studio sample <runId> --n N --out DIR');
  if (values.n === undefined) throw deps.usage('sample needs --n N (how many samples; per class for a cvae)');
  if (!values.out) throw deps.usage('sample needs --out DIR (the folder the PNGs are written to, on this machine)');
  const outProblem = outFolderProblem(values.out);
  if (outProblem) throw deps.usage(`--out ${values.out}: ${outProblem}; name a folder to write into`);
  const request = SampleRequest.safeParse({
    runId: number(positionals[0]),
    n: number(values.n),
    seed: number(values.seed),
    class: number(values.class),
  });
  if (!request.success) throw deps.usage(`sample refused: ${describeIssues(fieldIssues(request.error))}`);
  const studio = await deps.open(values);
  try {
    const set = await studio.api['runs.sample'](request.data);
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    const files = set.samples.map((s, i) => {
      const file = join(out, `sample-${String(i).padStart(4, '0')}.png`);
      writeFileSync(file, Buffer.from(s.png, 'base64'));
      return file;
    });
    const from =
      set.source === 'prior'
        ? `its learned prior (job ${set.priorJobId})`
        : set.source === 'conditional'
          ? 'z ~ N(0, I) with each class'
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
          ...(set.priorJobId !== null ? { priorJobId: set.priorJobId } : {}),
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
  } catch (e) {
    if (e instanceof ApiError) throw deps.usage(`sample refused: ${e.message}`);
    throw e;
  } finally {
    await studio.close();
  }
}
