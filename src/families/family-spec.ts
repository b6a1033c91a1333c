import type { z } from 'zod';
import type { ArchitectureHook } from './memory';

/** What a family's cross-field checks see besides its own model section. */
export interface CheckContext {
  training: { loss: string };
  /** [height, width, channels] of the run's data set. */
  image: [number, number, number];
  /** Label classes of the run's data set (0 when unlabelled). */
  classes: number;
}

export type ModelCheck<M> = (model: M, ctx: CheckContext, issue: (path: (string | number)[], message: string) => void) => void;

/** A named starting point for a family, taken from the lectures where one exists. */
export interface FamilyPreset<M> {
  name: string;
  description: string;
  model: M;
}

/**
 * What a model family declares without touching tfjs: its config schema (fields carry
 * label/help/widget metadata so the UI form renders from it), defaults, presets and
 * the cross-field checks zod cannot express per field (shapes through the layer stacks).
 */
export interface FamilySpec<M> {
  id: string;
  label: string;
  summary: string;
  /** What the training loss is averaged over, for chart axes: 'per pixel' or 'nats per image'. */
  lossUnit: string;
  /** What the training loss adds up to when it is more than the reconstruction, for legends (e.g. 'rec + β·KL'). */
  objective?: string;
  modelSchema: z.ZodType<M>;
  defaultModel: M;
  presets: FamilyPreset<M>[];
  checkModel?: ModelCheck<M>;
  /** How the model maps onto encoder → code → decoder (for shapes and the memory estimate), when it is not that body itself. */
  architecture?: ArchitectureHook<M>;
  /** Data-set settings this family starts from (e.g. the two identities of the deepfake set-up). */
  defaultDataset?: { classes?: number[] };
  /** Training settings this family starts from (e.g. BCE for a Bernoulli decoder). */
  defaultTraining?: { loss?: 'mse' | 'mae' | 'smoothL1' | 'bce'; batchSize?: number; learningRate?: number };
}
