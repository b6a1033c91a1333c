import type { RunDetail } from '../../../shared/api';
import { ruleSplit, splitWord } from '../../../shared/config';

/**
 * Why a completed learned prior no longer describes its run, or null: the run trained on after the prior was
 * trained (a resume, or more epochs), so the checkpoint the studio now uses by default (`runs.get` says which: the
 * newest, or the best a run that early stopping ended keeps) is not the one whose codes the prior learned.
 */
export function priorStaleness(
  run: Pick<RunDetail, 'checkpoints' | 'stoppedEarly' | 'defaultCheckpoint'> & {
    config?: { dataset: { validationFraction?: number | undefined } };
  },
  prior: { checkpointEpoch: number },
): string | null {
  const chosen =
    run.defaultCheckpoint !== undefined
      ? run.defaultCheckpoint
      : // A reading without it (an older host): the newest, and a run early stopping ended is left alone.
        run.stoppedEarly || run.checkpoints.length === 0
        ? null
        : { epoch: Math.max(...run.checkpoints.map((c) => c.epoch)), bestBy: null };
  if (!chosen || chosen.epoch === prior.checkpointEpoch) return null;
  const judged = splitWord(ruleSplit(run.config?.dataset ?? {}));
  const which = chosen.bestBy ? `best checkpoint by ${judged} ${chosen.bestBy}` : 'newest checkpoint';
  const again = `Train again for a prior of its ${chosen.bestBy ? 'best' : 'newest'} codes.`;
  if (chosen.epoch > prior.checkpointEpoch)
    return `The run has trained on since this prior: its ${which} is of epoch ${chosen.epoch}, the prior's codes of epoch ${prior.checkpointEpoch}. ${again}`;
  // An older one: the prior's checkpoint file is gone or cut short since, and the default moved back.
  return `The run's ${which} is now of epoch ${chosen.epoch} (the prior's, of epoch ${prior.checkpointEpoch}, is no longer usable). ${again}`;
}

export { priorContextNote } from '../../../shared/prior';
