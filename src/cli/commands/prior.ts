/**
 * `latent-studio prior <runId>`: a VQ-VAE run's learned prior, trained in a worker here or at `--remote`, through the
 * contract.
 */
import type { StudioEvent } from '../../shared/api';
import { priorContextNote, PriorRequest, type Prior } from '../../shared/prior';
import { command, dbAndJson, looseNumber, refusedRequest, remoteFlags, runIdArg, withStudio } from '../runner';

const bits = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(3));
/** Whether a prior's status is an ending (completed, failed, cancelled). */
const over = (status: string) => status === 'completed' || status === 'failed' || status === 'cancelled';

/**
 * Trains a VQ-VAE run's PixelCNN prior and prints one JSON line with its figures, in bits per code position:
 * `{"jobId":1,"runId":3,"status":"completed","nll_bits":…,"unigram_bits":…,"uniform_bits":…,"curve":[…],"seconds":…}`.
 * Exits 0 when it completes, 1 when it fails, 2 when the request is refused (naming the field).
 */
export const priorCommand = command({
  name: 'prior',
  flags: { ...dbAndJson, ...remoteFlags, seed: { type: 'string' }, epochs: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
    const request = PriorRequest.safeParse({
      runId: runIdArg('prior', positionals[0]),
      epochs: looseNumber(values.epochs),
      seed: looseNumber(values.seed),
    });
    if (!request.success) throw refusedRequest('prior', request.error);
    const started = performance.now();
    return withStudio(values, 'prior refused: ', async (studio) => {
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
        throw new Error(
          `prior ${jobId} of run ${request.data.runId} is gone (its run was deleted, or a newer prior replaced it)`,
        );
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
            `unigram (training codes' frequencies) ${bits(prior.figures['unigram_bits'])}, per position ${bits(prior.figures['position_unigram_bits'])}, uniform ${bits(prior.figures['uniform_bits'])}\n`,
        );
        const reach = priorContextNote(prior.settings);
        if (reach) process.stderr.write(`warning: ${reach}\n`);
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return prior.status === 'completed' ? 0 : 1;
    });
  },
});
