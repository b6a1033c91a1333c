import { followModeBatchNorm, followModeDropout } from '../ml/mode';
import { keepLogits, sigmoidOutput } from '../ml/sigmoid-output';
import { tfl, type LayersModel } from '../ml/tf';
import { deriveSeed } from '../shared/random';
import { layerShape, type ActivationName, type Architecture, type LayerSpec, type Shape } from './layers';
import type { LayerSummary } from './family-model';

type TfLayer = Parameters<ReturnType<typeof tfl.sequential>['add']>[0];

function activation(name: ActivationName): { act: 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'linear'; leaky: boolean } {
  // tfjs has no 'leakyRelu' activation string: such layers stay linear and a LeakyReLU layer follows.
  return name === 'leakyRelu' ? { act: 'linear', leaky: true } : { act: name, leaky: false };
}

/** tfjs layers for one spec; `seed` makes initializers and dropout reproducible. */
function tfLayers(l: LayerSpec, input: Shape, seed: number, name: string): TfLayer[] {
  const init = () => tfl.initializers.glorotUniform({ seed });
  const withActivation = (layer: TfLayer, a: ActivationName): TfLayer[] =>
    activation(a).leaky ? [layer, tfl.layers.leakyReLU({ alpha: 0.2, name: `${name}_leaky` })] : [layer];
  switch (l.type) {
    case 'dense': {
      const flatten = input.length > 1 ? [tfl.layers.flatten({ name: `${name}_flatten` })] : [];
      const dense = tfl.layers.dense({
        units: l.units,
        activation: activation(l.activation).act,
        kernelInitializer: init(),
        name,
      });
      return [...flatten, ...withActivation(dense, l.activation)];
    }
    case 'conv':
    case 'convTranspose': {
      // Same arguments for both; 'same' padding, as the shape inference assumes.
      const make = l.type === 'conv' ? tfl.layers.conv2d : tfl.layers.conv2dTranspose;
      const conv = make({
        filters: l.filters,
        kernelSize: l.kernel,
        strides: l.stride,
        padding: 'same',
        activation: activation(l.activation).act,
        kernelInitializer: init(),
        name,
      });
      return withActivation(conv, l.activation);
    }
    case 'upsample':
      return [tfl.layers.upSampling2d({ size: [l.factor, l.factor], name })];
    case 'maxPool':
      return [tfl.layers.maxPooling2d({ poolSize: l.size, strides: l.size, padding: 'same', name })];
    case 'batchNorm':
      // Keras' defaults (momentum 0.99, epsilon 1e-3); training mode from src/ml/mode.ts.
      return [followModeBatchNorm(tfl.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3, name }))];
    case 'dropout':
      return [followModeDropout(tfl.layers.dropout({ rate: l.rate, name }), l.rate, seed)];
    case 'activation':
      return l.activation === 'leakyRelu'
        ? [tfl.layers.leakyReLU({ alpha: 0.2, name })]
        : [tfl.layers.activation({ activation: l.activation, name })];
    case 'reshape':
      return [tfl.layers.reshape({ targetShape: l.shape, name })];
  }
}

/** A sequential model from an input shape and a stack; returns the model and its output shape. */
export function buildStack(
  name: string,
  input: Shape,
  layers: readonly LayerSpec[],
  seed: number,
  extra: { prefix?: TfLayer[]; suffix?: (output: Shape) => TfLayer[] } = {},
): { model: LayersModel; output: Shape } {
  const model = tfl.sequential({ name });
  model.add(tfl.layers.inputLayer({ inputShape: input, name: `${name}_input` }));
  for (const l of extra.prefix ?? []) model.add(l);
  let shape = model.outputs[0]?.shape.slice(1).map((d) => d ?? 0) ?? input;
  layers.forEach((spec, i) => {
    for (const l of tfLayers(spec, shape, deriveSeed(seed, i), `${name}_${i}_${spec.type}`)) model.add(l);
    shape = layerShape(spec, shape, ['model', name, i]).shape;
  });
  for (const l of extra.suffix?.(shape) ?? []) model.add(l);
  return { model, output: model.outputs[0]?.shape.slice(1).map((d) => d ?? 0) ?? shape };
}

export interface BuiltArchitecture {
  /** flat image [pixels] → code features [codeUnits] */
  encoder: LayersModel;
  /** [decoderInput] → flat image [pixels], output activation applied */
  decoder: LayersModel;
}

/**
 * Encoder: the flat input reshaped to [H, W, C], the encoder stack, a linear dense code head.
 * Decoder: the decoder stack, then a dense (flat end) or 3x3 conv (image end) output head, flattened.
 */
export function buildEncoder(
  image: [number, number, number],
  a: Architecture,
  seed: number,
  opts: { codeUnits?: number; codeActivation?: 'relu' | 'linear' } = {},
): LayersModel {
  const pixels = image[0] * image[1] * image[2];
  return buildStack('encoder', [pixels], a.encoder, deriveSeed(seed, 1), {
    prefix: [tfl.layers.reshape({ targetShape: image, name: 'encoder_image' })],
    suffix: (out) => [
      ...(out.length > 1 ? [tfl.layers.flatten({ name: 'code_flatten' })] : []),
      tfl.layers.dense({
        units: opts.codeUnits ?? a.latentSize,
        activation: opts.codeActivation ?? 'linear',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: deriveSeed(seed, 2) }),
        name: 'code',
      }),
    ],
  }).model;
}

export function buildDecoder(
  image: [number, number, number],
  a: Architecture,
  outputActivation: 'sigmoid' | 'tanh' | 'linear',
  seed: number,
  decoderInput = a.latentSize,
): LayersModel {
  const [h, w, c] = image;
  const pixels = h * w * c;
  const headInit = tfl.initializers.glorotUniform({ seed: deriveSeed(seed, 4) });
  // A sigmoid is its own last layer, which keeps the logits for BCE (src/ml/sigmoid-output.ts); the head's weights
  // are the same either way, so checkpoints of either shape load.
  const sigmoid = outputActivation === 'sigmoid';
  const headActivation = sigmoid ? 'linear' : outputActivation;
  const tail = sigmoid ? [sigmoidOutput('output_sigmoid')] : [];
  const { model } = buildStack('decoder', [decoderInput], a.decoder, deriveSeed(seed, 3), {
    suffix: (out) =>
      out.length === 1
        ? [tfl.layers.dense({ units: pixels, activation: headActivation, kernelInitializer: headInit, name: 'output' }), ...tail]
        : [
            tfl.layers.conv2d({
              filters: c,
              kernelSize: 3,
              padding: 'same',
              activation: headActivation,
              kernelInitializer: headInit,
              name: 'output',
            }),
            tfl.layers.flatten({ name: 'output_flat' }),
            ...tail,
          ],
  });
  return sigmoid ? keepLogits(model) : model;
}

export function buildArchitecture(
  image: [number, number, number],
  a: Architecture,
  outputActivation: 'sigmoid' | 'tanh' | 'linear',
  seed: number,
  opts: { codeUnits?: number; decoderInput?: number; codeActivation?: 'relu' | 'linear' } = {},
): BuiltArchitecture {
  return {
    encoder: buildEncoder(image, a, seed, opts),
    decoder: buildDecoder(image, a, outputActivation, seed, opts.decoderInput),
  };
}

export function summarize(...models: LayersModel[]): LayerSummary[] {
  return models.flatMap((m) =>
    m.layers.map((l) => ({
      name: l.name,
      outputShape: (l.outputShape as (number | null)[]).slice(1).map((d) => d ?? -1),
      params: l.countParams(),
    })),
  );
}

/**
 * The encoder of a conditional model: the one-hot label joins the input. With a dense first layer (or none)
 * it is concatenated to the flat image itself; after convolutions it joins the flattened feature map,
 * just before the dense code head (a label has no spatial layout to convolve).
 */
export function buildConditionalEncoder(
  image: [number, number, number],
  a: Architecture,
  seed: number,
  codeUnits: number,
  classes: number,
): LayersModel {
  const pixels = image[0] * image[1] * image[2];
  const x = tfl.input({ shape: [pixels], name: 'image' });
  const y = tfl.input({ shape: [classes], name: 'label' });
  const joinAtInput = a.encoder.length === 0 || a.encoder[0]?.type === 'dense';
  type Symbolic = ReturnType<typeof tfl.input>;
  let h: Symbolic = joinAtInput
    ? (tfl.layers.concatenate({ name: 'image_label' }).apply([x, y]) as Symbolic)
    : (tfl.layers.reshape({ targetShape: image, name: 'encoder_image' }).apply(x) as Symbolic);
  let shape: Shape = joinAtInput ? [pixels + classes] : image;
  const stackSeed = deriveSeed(seed, 1);
  a.encoder.forEach((spec, i) => {
    for (const l of tfLayers(spec, shape, deriveSeed(stackSeed, i), `encoder_${i}_${spec.type}`)) h = l.apply(h) as Symbolic;
    shape = layerShape(spec, shape, ['model', 'encoder', i]).shape;
  });
  if (shape.length > 1) h = tfl.layers.flatten({ name: 'code_flatten' }).apply(h) as Symbolic;
  if (!joinAtInput) h = tfl.layers.concatenate({ name: 'features_label' }).apply([h, y]) as Symbolic;
  const code = tfl.layers
    .dense({
      units: codeUnits,
      activation: 'linear',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: deriveSeed(seed, 2) }),
      name: 'code',
    })
    .apply(h) as Symbolic;
  return tfl.model({ inputs: [x, y], outputs: code, name: 'encoder' });
}

/** The weight bookkeeping every family built from tfjs models shares. */
export function modelsBody(...models: LayersModel[]) {
  return {
    trainableWeights: () => models.flatMap((m) => m.trainableWeights),
    weights: () => models.flatMap((m) => m.weights),
    summary: () => summarize(...models),
    // By each model's own name (encoder, decoder); a repeated name gets its position.
    layersModels: () =>
      Object.fromEntries(models.map((m, i) => [models.findIndex((o) => o.name === m.name) === i ? m.name : `${m.name}_${i}`, m])),
    dispose: () => {
      for (const m of models) m.dispose();
    },
  };
}
