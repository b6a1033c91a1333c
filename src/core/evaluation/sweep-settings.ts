import { defaultDisentanglementPoints, type EvaluationSettings } from '../../shared/evaluation-kinds';
import type { SweepSpec } from '../../shared/sweep';

/**
 * A sweep's `evaluate` as it is stored: where it scores disentanglement, the images MIG, SAP and DCI draw are pinned
 * (the default of the day when unset), so that all its runs are scored alike whatever a later studio's default.
 */
export function withPinnedEvaluation(spec: SweepSpec): SweepSpec {
  const evaluate = spec.evaluate;
  if (!evaluate?.what.includes('disentanglement') || evaluate.disentanglementPoints !== undefined) return spec;
  return { ...spec, evaluate: { ...evaluate, disentanglementPoints: defaultDisentanglementPoints } };
}

/**
 * The evaluation a sweep's completed run gets from its stored settings. A sweep stored before the choice (no points)
 * keeps scoring MIG, SAP and DCI on the test split, as its earlier runs were, so that its runs compare alike.
 */
export function sweepRunEvaluation(settings: EvaluationSettings): EvaluationSettings {
  return settings.what.includes('disentanglement') && settings.disentanglementPoints === undefined
    ? { ...settings, disentanglementPoints: null }
    : settings;
}
