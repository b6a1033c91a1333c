/**
 * `latent-studio resume <runId>`: continues a stopped run from its last good checkpoint, for more epochs with
 * `--set training.epochs=N`, and follows it to its end.
 */
import { flattenConfig } from '../../shared/sweep';
import { ApiError } from '../../core/errors';
import { catalogFor, command, openCli, runIdArg, UsageError } from '../runner';
import { pretrainingEpochs } from '../../families/run-config';
import { announce, follow, runFlags, setOverrides } from './follow';

export const resume = command({
  name: 'resume',
  flags: runFlags,
  positionals: true,
  async run({ values, positionals }) {
    const runId = runIdArg('resume', positionals[0]);
    const studio = await openCli(values);
    const run = await studio.api['runs.get']({ runId }).catch((e: unknown) => {
      if (e instanceof ApiError) return undefined;
      throw e;
    });
    if (!run) {
      await studio.close();
      throw new UsageError(`run ${runId} does not exist (latent-studio runs)`);
    }
    // Only the length of a run can change when it continues; anything else would not be the same run.
    const edited = structuredClone(run.config);
    setOverrides(edited, values.set);
    const { epochs, ...rest } = edited.training;
    // `--set training.epochs=abc` is kept as text, which no comparison below would catch.
    if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1) {
      await studio.close();
      throw new UsageError(`--set training.epochs=${String(epochs)}: expected a whole number of epochs`);
    }
    const { epochs: _was, ...restBefore } = run.config.training;
    if (JSON.stringify({ ...edited, training: rest }) !== JSON.stringify({ ...run.config, training: restBefore })) {
      await studio.close();
      // The fields whose values it would change, named.
      const before = flattenConfig(run.config);
      const after = flattenConfig(edited);
      const changed = Object.keys({ ...before, ...after }).filter(
        (path) => path !== 'training.epochs' && JSON.stringify(before[path]) !== JSON.stringify(after[path]),
      );
      throw new UsageError(
        `--set ${changed.join(', ')}: only training.epochs can change when a run continues (anything else would be another run: clone it)`,
      );
    }
    // Where it ended: its configured epochs, or the epoch early stopping ended it after (the API extends from there).
    const pretraining = pretrainingEpochs(run.config);
    const stoppedAt = run.stoppedEarly ? Math.max(0, run.stoppedEarly.epoch - pretraining) : undefined;
    const reached = stoppedAt ?? run.config.training.epochs;
    // A completed run trains on only to a total given: without one, epochs above is the configured total, which an
    // early-stopped run never reached.
    const givesEpochs = (values.set ?? []).some((s) => s.split('=')[0]?.trim() === 'training.epochs');
    if (epochs < reached) {
      await studio.close();
      throw new UsageError(
        `--set training.epochs=${epochs}: run ${runId} already ${stoppedAt === undefined ? `has ${reached} epochs` : `trained ${reached} epochs`}`,
      );
    }
    const addEpochs = epochs > reached ? epochs - reached : undefined;
    // In the command line's words, not the API's (addEpochs).
    if (run.status === 'completed' && (addEpochs === undefined || !givesEpochs)) {
      await studio.close();
      // Epochs as its curves count them, a phased family's pretraining included.
      const at =
        pretraining > 0
          ? `epoch ${pretraining + reached} (${reached} of its ${run.config.training.epochs} after ${pretraining} of pretraining)`
          : `epoch ${reached} of ${run.config.training.epochs}`;
      const ended = stoppedAt === undefined ? `completed its ${reached} epochs` : `was ended by early stopping after ${at}`;
      throw new UsageError(
        `run ${runId} ${ended}: to train it for more, give the new total, e.g. --set training.epochs=${reached + 5}`,
      );
    }
    return follow(studio, values.json, async () => {
      const r = await studio.api['runs.resume']({ runId, ...(addEpochs ? { addEpochs } : {}) });
      for (const why of r.skipped) process.stderr.write(`warning: ${why}; using the checkpoint before it\n`);
      announce(
        { ...run.config, training: { ...run.config.training, epochs: r.epochs } },
        studio.remote === undefined ? catalogFor(values.db) : undefined,
        values.json,
        studio.remote,
      );
      // A host of an earlier version (--remote) answers without toEpoch.
      const to = (r as { toEpoch?: number }).toEpoch ?? r.epochs;
      if (!values.json) process.stderr.write(`run ${runId}: continuing from epoch ${r.fromEpoch} of ${to}\n`);
      return runId;
    });
  },
});
