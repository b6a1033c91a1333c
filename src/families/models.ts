import type { z } from 'zod';
import type { FamilyModel } from './family-model';
import type { FamilySpec } from './family-spec';
import { autoencoderFamily } from './autoencoder/model';
import { sparseAeFamily } from './sparse-ae/model';
import { denoisingAeFamily } from './denoising-ae/model';
import { vaeFamily } from './vae/model';
import { cvaeFamily } from './cvae/model';
import { vqVaeFamily } from './vq-vae/model';
import { deepfakeFamily } from './deepfake/model';
import { stackedAeFamily } from './stacked-ae/model';
import { deepClusteringFamily } from './deep-clustering/model';
import { betaTcVaeFamily } from './beta-tc-vae/model';
import { factorVaeFamily } from './factor-vae/model';
import { dipVaeFamily } from './dip-vae/model';
import { iwaeFamily } from './iwae/model';
import { waeMmdFamily } from './wae-mmd/model';
import { aaeFamily } from './aae/model';
import { fsqFamily } from './fsq/model';
import { rqVaeFamily } from './rq-vae/model';
import { vampVaeFamily } from './vamp-vae/model';
import { familyIds, registerFamilySpec, type familySpecs, type FamilyId } from './specs';

type ModelOf<K extends FamilyId> = z.infer<(typeof familySpecs)[K]['modelSchema']>;

/** The tfjs side of each built-in family; a family missing here is a compile error. */
export const familyModels: { [K in FamilyId]: FamilyModel<ModelOf<K>> } = {
  autoencoder: autoencoderFamily,
  'sparse-ae': sparseAeFamily,
  'denoising-ae': denoisingAeFamily,
  vae: vaeFamily,
  cvae: cvaeFamily,
  'vq-vae': vqVaeFamily,
  deepfake: deepfakeFamily,
  'stacked-ae': stackedAeFamily,
  'deep-clustering': deepClusteringFamily,
  'beta-tc-vae': betaTcVaeFamily,
  'factor-vae': factorVaeFamily,
  'dip-vae': dipVaeFamily,
  iwae: iwaeFamily,
  'wae-mmd': waeMmdFamily,
  aae: aaeFamily,
  'vamp-vae': vampVaeFamily,
  fsq: fsqFamily,
  'rq-vae': rqVaeFamily,
};

/** The registry's tfjs side, by family id (see ./specs.ts). */
const registered = new Map<string, FamilyModel<unknown>>();

export function registerFamilyModel(id: string, model: FamilyModel<unknown>): void {
  const known = registered.get(id);
  if (known === model) return;
  if (known) throw new Error(`a model for the family "${id}" is already registered`);
  registered.set(id, model);
}

for (const id of familyIds) registerFamilyModel(id, familyModels[id]);

/**
 * Registers a family from outside src/families, both sides at once: what a module named in
 * LATENT_STUDIO_FAMILY_MODULES calls (see ./specs.ts and ./family-modules.ts).
 */
export function registerFamily<M>(spec: FamilySpec<M>, model: FamilyModel<M>): void {
  registerFamilySpec(spec);
  registerFamilyModel(spec.id, model);
}

/** The model for a validated config (the schema already matched its family to its model). */
export function familyModelFor(config: { family: string }): FamilyModel<unknown> {
  const model = registered.get(config.family);
  if (!model) {
    throw new Error(
      `no model is registered for the family "${config.family}" in this process (is its module named in LATENT_STUDIO_FAMILY_MODULES?)`,
    );
  }
  return model;
}
