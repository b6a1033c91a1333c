// The fixture family's registry lines: what LATENT_STUDIO_FAMILY_MODULES names (see src/families/family-modules.ts).
import { registerFamily } from '../../../src/families/models';
import { tiedAeFamily } from './model';
import { tiedAeSpec } from './spec';

registerFamily(tiedAeSpec, tiedAeFamily);
