import type { RunDetail } from '../../../shared/api';

/**
 * Why a completed learned prior no longer describes its run, or null: the run trained on after the prior was
 * trained (a resume, or more epochs), so the prior's figures and samples are of older codes. A run that early
 * stopping ended uses its best checkpoint, not its newest, and is left alone.
 */
export function priorStaleness(
  run: Pick<RunDetail, 'checkpoints' | 'stoppedEarly'>,
  prior: { checkpointEpoch: number },
): string | null {
  if (run.stoppedEarly) return null;
  const newest = Math.max(...run.checkpoints.map((c) => c.epoch));
  if (!(newest > prior.checkpointEpoch)) return null;
  return `The run has trained on since this prior: its newest checkpoint is of epoch ${newest}, the prior's codes of epoch ${prior.checkpointEpoch}. Train again for a prior of its newest codes.`;
}
