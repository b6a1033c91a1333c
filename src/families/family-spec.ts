import type { z } from 'zod';

/** The part of a run's training section a family may need to check its model against. */
export interface TrainingView {
  loss: string;
}

/** A named starting point for a family, taken from the lectures where one exists. */
export interface FamilyPreset<M> {
  name: string;
  description: string;
  model: M;
}

/**
 * What a model family declares without touching tfjs: its config schema (fields carry
 * label/help/widget metadata so the UI form renders from it), defaults, presets and
 * the cross-field checks zod cannot express per field.
 */
export interface FamilySpec<M> {
  id: string;
  label: string;
  summary: string;
  modelSchema: z.ZodType<M>;
  defaultModel: M;
  presets: FamilyPreset<M>[];
  checkModel?: (model: M, training: TrainingView, issue: (path: (string | number)[], message: string) => void) => void;
}
