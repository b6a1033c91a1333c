import { checkpointDefaults, type CheckpointPolicy } from '../../shared/config';

/** Whether the worker writes a checkpoint at the end of `epoch` (always at the last one). */
export function checkpointDue(
  policy: CheckpointPolicy | undefined,
  epoch: number,
  lastEpoch: number,
  minutesSinceLast: number,
): boolean {
  if (epoch === lastEpoch) return true;
  const byEpochs = epoch % (policy?.everyEpochs ?? checkpointDefaults.everyEpochs) === 0;
  if (policy?.everyMinutes === undefined) return byEpochs;
  // With a time interval, epochs count only when asked for too.
  return minutesSinceLast >= policy.everyMinutes || (policy.everyEpochs !== undefined && byEpochs);
}

/**
 * The best epoch so far by `keepBest`'s metric, as a worker sees the epochs go by: `after(epoch, metrics)` says
 * whether this one is better than every one before it (past the first `pretraining`), so that its checkpoint is
 * written though the interval does not fall on it (Keras' ModelCheckpoint with save_best_only). A worker that
 * resumes starts afresh: at worst one checkpoint more, which the policy drops.
 */
export function bestEpochWatch(
  policy: CheckpointPolicy | undefined,
  pretraining = 0,
  /** Told once where the metrics lack the one keepBest names (a family's own figure, measured on test alone). */
  warn: (message: string) => void = () => undefined,
) {
  let best: number | null = null;
  let warned = false;
  return {
    after(epoch: number, metrics: Readonly<Record<string, number>>, split = 'test'): boolean {
      const keepBest = policy?.keepBest;
      if (!keepBest || epoch <= pretraining) return false;
      const value = metrics[keepBest.metric];
      if (value === undefined && !warned) {
        warned = true;
        const names = Object.keys(metrics).sort().join(', ');
        warn(
          `training.checkpoints.keepBest.metric: the ${split} split has no metric "${keepBest.metric}" (it has ${names}): no best checkpoint is kept`,
        );
      }
      if (value === undefined || !Number.isFinite(value)) return false;
      if (best !== null && (keepBest.mode === 'min' ? value >= best : value <= best)) return false;
      best = value;
      return true;
    },
  };
}

/**
 * Which checkpoints a run no longer keeps: all but the last K (by epoch) and the best by a test metric
 * (the earliest of equals). `metricAt(step)` gives that metric at a checkpoint's step, if recorded; checkpoints of
 * the first `pretraining` epochs (a phased family's) are not ranked.
 */
export function checkpointsToDrop<C extends { epoch: number; step: number }>(
  checkpoints: readonly C[],
  policy: CheckpointPolicy | undefined,
  metricAt: (step: number) => number | undefined,
  pretraining = 0,
): C[] {
  const byEpoch = [...checkpoints].sort((a, b) => b.epoch - a.epoch);
  const keep = new Set(byEpoch.slice(0, policy?.keepLast ?? checkpointDefaults.keepLast));
  const best = policy?.keepBest ? bestCheckpoint(checkpoints, policy.keepBest, metricAt, pretraining) : undefined;
  if (best) keep.add(best);
  return byEpoch.filter((c) => !keep.has(c));
}

/**
 * The best of a run's checkpoints by a test metric (the earliest of equals), past its first `pretraining` epochs (a
 * phased family's pretraining measures another loss); undefined when none has the metric.
 */
export function bestCheckpoint<C extends { epoch: number; step: number }>(
  checkpoints: readonly C[],
  best: NonNullable<CheckpointPolicy['keepBest']>,
  metricAt: (step: number) => number | undefined,
  pretraining = 0,
): C | undefined {
  let chosen: C | undefined;
  let chosenValue = 0;
  for (const c of [...checkpoints].filter((c) => c.epoch > pretraining).sort((a, b) => a.epoch - b.epoch)) {
    const v = metricAt(c.step);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!chosen || (best.mode === 'min' ? v < chosenValue : v > chosenValue)) {
      chosen = c;
      chosenValue = v;
    }
  }
  return chosen;
}
