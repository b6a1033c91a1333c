import type { FamilyModel } from '../family-model';
import { buildVae } from '../vae/model';
import type { VaeModel } from '../vae/spec';

export const cvaeFamily: FamilyModel<VaeModel> = { build: (ctx) => buildVae(ctx, true) };
