/**
 * Early stopping on a test metric, with Keras' conventions (keras.callbacks.EarlyStopping): an epoch improves
 * when its value beats the best by more than `minDelta` (below best − minDelta for `min`, above best + minDelta
 * for `max`); the run stops once `patience` epochs in a row have not. Its state is kept in checkpoints, so a
 * resumed run stops where the uninterrupted one would.
 */
import type { EarlyStopping } from '../shared/config';

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  /** Epochs since the last improvement. */
  wait: number;
}

export const initialEarlyStopping = (): EarlyStoppingState => ({ best: null, bestEpoch: 0, wait: 0 });

/** The state after an epoch's value, and whether the run stops there. */
export function earlyStoppingAfterEpoch(
  rule: EarlyStopping,
  state: EarlyStoppingState,
  epoch: number,
  value: number,
): { state: EarlyStoppingState; stop: boolean } {
  // A NaN never improves (Keras starts from ±inf, and every comparison with NaN is false): it counts as a wait.
  const improved =
    !Number.isNaN(value) &&
    (state.best === null || (rule.mode === 'min' ? value < state.best - rule.minDelta : value > state.best + rule.minDelta));
  const next = improved ? { best: value, bestEpoch: epoch, wait: 0 } : { ...state, wait: state.wait + 1 };
  return { state: next, stop: next.wait >= rule.patience };
}
