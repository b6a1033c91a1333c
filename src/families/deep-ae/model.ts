import { reconstructionLosses } from '../../core/training/losses';
import { tfl, type LayersModel, type Tensor } from '../../core/training/tf';
import { deriveSeed } from '../../core/training/random';
import type { BuiltModel, FamilyModel, LayerSummary } from '../family-model';
import type { DeepAeModel } from './spec';

type Activation = DeepAeModel['activation'] | DeepAeModel['outputActivation'];

// tfjs has no 'leakyRelu' activation string: such layers stay linear and a LeakyReLU layer follows them.
function dense(units: number, activation: Activation, seed: number, name: string, inputDim?: number) {
  return tfl.layers.dense({
    units,
    activation: activation === 'leakyRelu' ? 'linear' : activation,
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
    name,
    ...(inputDim === undefined ? {} : { inputShape: [inputDim] }),
  });
}

function stack(layers: ReturnType<typeof dense>[], withLeaky: boolean[], name: string): LayersModel {
  const model = tfl.sequential({ name });
  layers.forEach((l, i) => {
    model.add(l);
    if (withLeaky[i]) model.add(tfl.layers.leakyReLU({ alpha: 0.2, name: `${l.name}_leaky` }));
  });
  return model;
}

function summarize(model: LayersModel): LayerSummary[] {
  return model.layers.map((l) => ({
    name: l.name,
    outputShape: (l.outputShape as (number | null)[]).slice(1).map((d) => d ?? -1),
    params: l.countParams(),
  }));
}

/** Encoder pixels → widths → latent (linear code); decoder latent → reversed widths → pixels. */
export const deepAeFamily: FamilyModel<DeepAeModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const pixels = inputShape[0] * inputShape[1] * inputShape[2];
    const leaky = m.activation === 'leakyRelu';
    let stream = 0;
    const encLayers = [
      ...m.hiddenLayers.map((w, i) =>
        dense(w, m.activation, deriveSeed(seed, stream++), `enc_dense_${i + 1}`, i === 0 ? pixels : undefined),
      ),
      dense(m.latentSize, 'linear', deriveSeed(seed, stream++), 'code', m.hiddenLayers.length === 0 ? pixels : undefined),
    ];
    const encoder = stack(encLayers, [...m.hiddenLayers.map(() => leaky), false], 'encoder');
    const widths = [...m.hiddenLayers].reverse();
    const decLayers = [
      ...widths.map((w, i) =>
        dense(w, m.activation, deriveSeed(seed, stream++), `dec_dense_${i + 1}`, i === 0 ? m.latentSize : undefined),
      ),
      dense(
        pixels,
        m.outputActivation,
        deriveSeed(seed, stream++),
        'reconstruction',
        widths.length === 0 ? m.latentSize : undefined,
      ),
    ];
    const decoder = stack(decLayers, [...widths.map(() => leaky), false], 'decoder');
    const lossFn = reconstructionLosses[training.loss];

    const reconstruct = (x: Tensor): Tensor => decoder.apply(encoder.apply(x)) as Tensor;
    return {
      computeLoss(x) {
        const reconstruction = lossFn(x, reconstruct(x));
        return { total: reconstruction, parts: { reconstruction } };
      },
      reconstruct,
      trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights],
      weights: () => [...encoder.weights, ...decoder.weights],
      summary: () => [...summarize(encoder), ...summarize(decoder)],
      dispose() {
        encoder.dispose();
        decoder.dispose();
      },
    };
  },
};
