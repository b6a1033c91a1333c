/**
 * Learning-rate schedules, applied per step, with the conventions of torch.optim.lr_scheduler (src/ml/schedule.test.ts
 * compares each with PyTorch's rates): StepLR, ExponentialLR (its γ per epoch, spread over the epoch's steps),
 * CosineAnnealingLR (to `minLearningRate`) and ReduceLROnPlateau (relative threshold 1e-4, no cooldown). A warm-up
 * rises linearly from 0, as in Hugging Face's get_*_schedule_with_warmup: step s of W uses s / W of the rate; the
 * schedule after it starts at the full rate and counts its steps from the warm-up's end (torch's SequentialLR).
 */
import { scheduleDefaults, type LearningRateSchedule } from './config';

/** Where a step lies in the run: `step` counts optimizer steps from 0. */
export interface StepPosition {
  step: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /**
   * Where the cosine's cycle began: 0, or the step a run extended by more epochs continued from. An extension is a
   * warm restart (SGDR, Loshchilov & Hutter 2017): the rate starts again at the base rate, without a warm-up, and
   * anneals to the minimum at the new last step; stretching the old cycle instead would jump from its minimum to
   * the middle of a longer one.
   */
  cycleStart?: number;
}

/** ReduceLROnPlateau's state, kept in checkpoints so that a resumed run cuts its rate where the uninterrupted one did. */
export interface PlateauState {
  best: number | null;
  badEpochs: number;
  /** The factor on the base rate that the cuts so far leave. */
  scale: number;
}

export const initialPlateau = (): PlateauState => ({ best: null, badEpochs: 0, scale: 1 });

/** The learning rate of one step. */
export function scheduledRate(
  base: number,
  schedule: LearningRateSchedule | undefined,
  at: StepPosition,
  plateau: PlateauState = initialPlateau(),
): number {
  if (!schedule) return base;
  const { step, stepsPerEpoch, totalSteps } = at;
  const restart = at.cycleStart ?? 0;
  const warmup = Math.round((schedule.warmupEpochs ?? 0) * stepsPerEpoch);
  if (step < warmup) return (base * step) / warmup;
  const min = schedule.minLearningRate ?? 0;
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step': {
      const every = (schedule.stepEpochs ?? scheduleDefaults.stepEpochs) * stepsPerEpoch;
      return base * (schedule.gamma ?? scheduleDefaults.stepGamma) ** Math.floor((step - warmup) / every);
    }
    case 'exponential':
      return base * (schedule.gamma ?? scheduleDefaults.exponentialGamma) ** ((step - warmup) / stepsPerEpoch);
    case 'cosine': {
      // The cycle's start: after the warm-up, or where an extension restarted it (the other kinds go on as they were).
      const from = Math.max(warmup, restart);
      const span = Math.max(1, totalSteps - from);
      return min + ((base - min) * (1 + Math.cos((Math.PI * (step - from)) / span))) / 2;
    }
    case 'plateau':
      return Math.max(base * plateau.scale, Math.min(min, base));
  }
}

/**
 * ReduceLROnPlateau after an epoch's `value` of its metric: better when below best × (1 − 1e-4), or with `mode: 'max'`
 * above best × (1 + 1e-4) (torch's relative threshold); after more than `patience` epochs without, the rate is cut by
 * `factor`, never below `minLearningRate`.
 */
export function plateauAfterEpoch(
  base: number,
  schedule: LearningRateSchedule,
  state: PlateauState,
  value: number,
): PlateauState {
  // A NaN is no improvement (torch starts from best = inf, and NaN < inf is false): it counts as a bad epoch.
  const better =
    !Number.isNaN(value) &&
    (state.best === null || (schedule.mode === 'max' ? value > state.best * (1 + 1e-4) : value < state.best * (1 - 1e-4)));
  const best = better ? value : state.best;
  const badEpochs = better ? 0 : state.badEpochs + 1;
  if (badEpochs <= (schedule.patience ?? scheduleDefaults.patience)) return { best, badEpochs, scale: state.scale };
  const min = schedule.minLearningRate ?? 0;
  const current = base * state.scale;
  const rate = Math.max(current * (schedule.factor ?? scheduleDefaults.factor), min);
  // As torch, a cut that would not lower the rate (a floor at or above it) leaves it as it is: never raised.
  return { best, badEpochs: 0, scale: current - rate > 1e-8 ? rate / base : state.scale };
}
