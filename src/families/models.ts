import type { z } from 'zod';
import type { RunConfig } from '../shared/config';
import type { FamilyModel } from './family-model';
import { autoencoderFamily } from './autoencoder/model';
import { sparseAeFamily } from './sparse-ae/model';
import { denoisingAeFamily } from './denoising-ae/model';
import { vaeFamily } from './vae/model';
import { cvaeFamily } from './cvae/model';
import { vqVaeFamily } from './vq-vae/model';
import { deepfakeFamily } from './deepfake/model';
import { stackedAeFamily } from './stacked-ae/model';
import type { FamilyId, familySpecs } from './specs';

type ModelOf<K extends FamilyId> = z.infer<(typeof familySpecs)[K]['modelSchema']>;

/** The tfjs side of each registered family; a family missing here is a compile error. */
/** The model for a validated config (the schema already matched its family to its model). */
export function familyModelFor(config: RunConfig): FamilyModel<RunConfig['model']> {
  return (familyModels as Record<FamilyId, FamilyModel<never>>)[config.family];
}

export const familyModels: { [K in FamilyId]: FamilyModel<ModelOf<K>> } = {
  autoencoder: autoencoderFamily,
  'sparse-ae': sparseAeFamily,
  'denoising-ae': denoisingAeFamily,
  vae: vaeFamily,
  cvae: cvaeFamily,
  'vq-vae': vqVaeFamily,
  deepfake: deepfakeFamily,
  'stacked-ae': stackedAeFamily,
};
