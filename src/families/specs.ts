import { autoencoderSpec } from './autoencoder/spec';
import { sparseAeSpec } from './sparse-ae/spec';
import { denoisingAeSpec } from './denoising-ae/spec';
import { vaeSpec } from './vae/spec';
import { cvaeSpec } from './cvae/spec';
import { vqVaeSpec } from './vq-vae/spec';
import { deepfakeSpec } from './deepfake/spec';
import { stackedAeSpec } from './stacked-ae/spec';
import { deepClusteringSpec } from './deep-clustering/spec';
import { betaTcVaeSpec } from './beta-tc-vae/spec';
import { factorVaeSpec } from './factor-vae/spec';
import { dipVaeSpec } from './dip-vae/spec';
import { iwaeSpec } from './iwae/spec';
import { waeMmdSpec } from './wae-mmd/spec';
import { aaeSpec } from './aae/spec';
import { fsqSpec } from './fsq/spec';
import { rqVaeSpec } from './rq-vae/spec';
import { vampVaeSpec } from './vamp-vae/spec';
import type { z } from 'zod';
import { registerConfigFamily } from '../shared/config';
import type { FamilySpec } from './family-spec';

/**
 * The registry of model families (schema side), by id. Adding a family touches its folder and two registry lines:
 * one here (what the UI and the config checks read) and one in ./models.ts (the tfjs side a training worker builds).
 *
 * A family from outside src/families (a plug-in, a test fixture) calls `registerFamily(spec, model)` from
 * ./models.ts in a module named in LATENT_STUDIO_FAMILY_MODULES: the studio process and every training worker it
 * forks import those modules at start (./family-modules.ts), and the renderer reads every registered family's
 * declarations through `families.list`. Specs must be registered before the first run config is parsed: the
 * config schema (shared/config.ts) is built from the registry then, and a later registration is refused rather
 * than silently missing.
 */
export const familySpecs = {
  autoencoder: autoencoderSpec,
  'sparse-ae': sparseAeSpec,
  'denoising-ae': denoisingAeSpec,
  vae: vaeSpec,
  cvae: cvaeSpec,
  'vq-vae': vqVaeSpec,
  deepfake: deepfakeSpec,
  'stacked-ae': stackedAeSpec,
  'deep-clustering': deepClusteringSpec,
  'beta-tc-vae': betaTcVaeSpec,
  'factor-vae': factorVaeSpec,
  'dip-vae': dipVaeSpec,
  iwae: iwaeSpec,
  'wae-mmd': waeMmdSpec,
  aae: aaeSpec,
  'vamp-vae': vampVaeSpec,
  fsq: fsqSpec,
  'rq-vae': rqVaeSpec,
} as const;

/** The built-in families, typed; a family registered at start is looked up by id with `familySpec`. */
export type FamilyId = keyof typeof familySpecs;
export const familyIds = Object.keys(familySpecs) as [FamilyId, ...FamilyId[]];

type BuiltinModels = { [K in FamilyId]: z.infer<(typeof familySpecs)[K]['modelSchema']> };

// The built-ins' model types join the contract's RunConfig type (it names no family itself).
declare module '../shared/config' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the merge adds the built-ins' members
  interface FamilyModels extends BuiltinModels {}
}

/** Any family's spec, whatever its model type: the registry holds them side by side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an existential: each spec is checked against its own model type where it is written.
export type AnyFamilySpec = FamilySpec<any>;

const registered = new Map<string, FamilySpec<unknown>>();

/**
 * Adds a family's spec to the registry (the built-ins below; others through `registerFamily` in ./models.ts), and
 * its model schema to the contract's run config. Refused after the first config was parsed (see `registerConfigFamily`).
 */
export function registerFamilySpec(spec: AnyFamilySpec): void {
  const known = registered.get(spec.id);
  if (known === spec) return;
  if (known) throw new Error(`a model family with id "${spec.id}" is already registered`);
  registerConfigFamily(spec.id, spec.modelSchema);
  registered.set(spec.id, spec);
}

for (const id of familyIds) registerFamilySpec(familySpecs[id]);

/** A registered family's spec, or undefined for an id nobody registered. */
export function familySpec(id: string): FamilySpec<unknown> | undefined {
  return registered.get(id);
}

/** Every registered family's spec in registration order: the built-ins first. */
export function registeredFamilySpecs(): FamilySpec<unknown>[] {
  return [...registered.values()];
}
