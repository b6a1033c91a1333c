import { autoencoderSpec } from './autoencoder/spec';
import { sparseAeSpec } from './sparse-ae/spec';
import { denoisingAeSpec } from './denoising-ae/spec';
import { vaeSpec } from './vae/spec';
import { cvaeSpec } from './cvae/spec';
import { vqVaeSpec } from './vq-vae/spec';
import { deepfakeSpec } from './deepfake/spec';
import { stackedAeSpec } from './stacked-ae/spec';

/** The one place a family is registered (schema side). The tfjs side lives in ./models.ts. */
export const familySpecs = {
  autoencoder: autoencoderSpec,
  'sparse-ae': sparseAeSpec,
  'denoising-ae': denoisingAeSpec,
  vae: vaeSpec,
  cvae: cvaeSpec,
  'vq-vae': vqVaeSpec,
  deepfake: deepfakeSpec,
  'stacked-ae': stackedAeSpec,
} as const;

export type FamilyId = keyof typeof familySpecs;
export const familyIds = Object.keys(familySpecs) as [FamilyId, ...FamilyId[]];
