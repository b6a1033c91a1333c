import { meanReconstructionLoss } from '../../ml/losses';
import type { Tensor } from '../../ml/tf';
import { buildArchitecture, modelsBody } from '../architecture';
import type { BuiltModel, FamilyModel } from '../family-model';
import type { AutoencoderModel } from './spec';

/** x → encoder → code → decoder → x̂; the loss is the reconstruction loss alone. */
export const autoencoderFamily: FamilyModel<AutoencoderModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const { encoder, decoder } = buildArchitecture(inputShape, m, m.outputActivation, seed);
    const lossFn = meanReconstructionLoss(training);
    const encode = (x: Tensor): Tensor => encoder.apply(x) as Tensor;
    const decode = (z: Tensor): Tensor => decoder.apply(z) as Tensor;
    const reconstruct = (x: Tensor): Tensor => decode(encode(x));
    return {
      computeLoss(x) {
        const reconstruction = lossFn(x, reconstruct(x));
        return { total: reconstruction, parts: { reconstruction } };
      },
      reconstruct,
      encode,
      decode,
      ...modelsBody(encoder, decoder),
    };
  },
};
