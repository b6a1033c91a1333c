import { deepAeSpec } from './deep-ae/spec';

/** The one place a family is registered (schema side). The tfjs side lives in ./models.ts. */
export const familySpecs = {
  'deep-ae': deepAeSpec,
} as const;

export type FamilyId = keyof typeof familySpecs;
export const familyIds = Object.keys(familySpecs) as [FamilyId, ...FamilyId[]];
