import type { z } from 'zod';
import type { FamilyModel } from './family-model';
import { deepAeFamily } from './deep-ae/model';
import type { FamilyId, familySpecs } from './specs';

type ModelOf<K extends FamilyId> = z.infer<(typeof familySpecs)[K]['modelSchema']>;

/** The tfjs side of each registered family; a family missing here is a compile error. */
export const familyModels: { [K in FamilyId]: FamilyModel<ModelOf<K>> } = {
  'deep-ae': deepAeFamily,
};
