import { z } from 'zod';

/**
 * The building blocks of encoders and decoders, as JSON. Schema and shape inference only (no tfjs),
 * so the composer can show shapes and parameter counts while the researcher edits.
 */
export const activationNames = ['relu', 'tanh', 'sigmoid', 'elu', 'leakyRelu', 'linear'] as const;
export const Activation = z.enum(activationNames).meta({ label: 'Activation' });
export type ActivationName = z.infer<typeof Activation>;

const filters = z.number().int().min(1).max(1024).meta({ label: 'Filters' });
const kernel = z.number().int().min(1).max(11).meta({ label: 'Kernel' });
const stride = z.number().int().min(1).max(4).meta({ label: 'Stride' });

export const DenseLayer = z.strictObject({
  type: z.literal('dense'),
  units: z.number().int().min(1).max(8192).meta({ label: 'Units' }),
  activation: Activation,
});
export const ConvLayer = z.strictObject({ type: z.literal('conv'), filters, kernel, stride, activation: Activation });
export const ConvTransposeLayer = z.strictObject({
  type: z.literal('convTranspose'),
  filters,
  kernel,
  stride,
  activation: Activation,
});
export const UpsampleLayer = z.strictObject({
  type: z.literal('upsample'),
  factor: z.number().int().min(2).max(4).meta({ label: 'Factor' }),
});
export const MaxPoolLayer = z.strictObject({
  type: z.literal('maxPool'),
  size: z.number().int().min(2).max(4).meta({ label: 'Size' }),
});
export const BatchNormLayer = z.strictObject({ type: z.literal('batchNorm') });
export const DropoutLayer = z.strictObject({
  type: z.literal('dropout'),
  rate: z.number().min(0).max(0.95).meta({ label: 'Rate' }),
});
export const ActivationLayer = z.strictObject({ type: z.literal('activation'), activation: Activation });
export const ReshapeLayer = z.strictObject({
  type: z.literal('reshape'),
  shape: z
    .tuple([z.number().int().min(1).max(512), z.number().int().min(1).max(512), z.number().int().min(1).max(4096)])
    .meta({ label: 'Shape (H, W, C)' }),
});

/** Each layer type's own schema, for the composer's per-layer fields. */
export const layerSchemas = {
  dense: DenseLayer,
  conv: ConvLayer,
  convTranspose: ConvTransposeLayer,
  upsample: UpsampleLayer,
  maxPool: MaxPoolLayer,
  batchNorm: BatchNormLayer,
  dropout: DropoutLayer,
  activation: ActivationLayer,
  reshape: ReshapeLayer,
} as const;

export const layerTypeLabels: Record<keyof typeof layerSchemas, string> = {
  dense: 'Dense',
  conv: 'Conv',
  convTranspose: 'Conv transpose',
  upsample: 'Upsample',
  maxPool: 'Max pool',
  batchNorm: 'Batch norm',
  dropout: 'Dropout',
  activation: 'Activation',
  reshape: 'Reshape',
};

export const LayerSpec = z.discriminatedUnion('type', [
  DenseLayer,
  ConvLayer,
  ConvTransposeLayer,
  UpsampleLayer,
  MaxPoolLayer,
  BatchNormLayer,
  DropoutLayer,
  ActivationLayer,
  ReshapeLayer,
]);
export type LayerSpec = z.infer<typeof LayerSpec>;
export type LayerType = LayerSpec['type'];
export const LayerStack = z.array(LayerSpec).max(24);

/** What a layer does differently in training, said beside it in the composer (src/ml/mode.ts does it). */
export const layerNotes: Partial<Record<keyof typeof layerSchemas, string>> = {
  batchNorm: 'momentum 0.99, ε 1e-3 (Keras’ defaults): batch statistics in training, moving averages in inference',
  dropout: 'a fresh mask each step, drawn from the run’s seed; off in inference',
};

/** A new layer of each type, as the composer adds it. */
export const layerDefaults: { [K in LayerType]: Extract<LayerSpec, { type: K }> } = {
  dense: { type: 'dense', units: 128, activation: 'relu' },
  conv: { type: 'conv', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
  convTranspose: { type: 'convTranspose', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
  upsample: { type: 'upsample', factor: 2 },
  maxPool: { type: 'maxPool', size: 2 },
  batchNorm: { type: 'batchNorm' },
  dropout: { type: 'dropout', rate: 0.2 },
  activation: { type: 'activation', activation: 'relu' },
  reshape: { type: 'reshape', shape: [7, 7, 32] },
};

export type Shape = number[];

export interface LayerShape {
  /** e.g. "encoder[2]" or "code" */
  where: string;
  label: string;
  outputShape: Shape;
  params: number;
  /**
   * Values per image of the largest temporary the layer's training builds at once: a convolution's patch matrix
   * (im2col, for its filter gradient, and col2im's for a strided input gradient: src/ml/kernels/conv-gradients.ts),
   * counted twice. Twice, as measured: the heap of the upsampling decoder's 3×3 convolution over 28×28×64 grew by
   * about two patch matrices (the MatMul's packed operands and dy's transposed copy come near one more). Freed before
   * the next layer's.
   */
  scratch?: number;
}

export class ShapeError extends Error {
  constructor(
    /** Config path of the offending layer, e.g. ['model', 'encoder', 2]. */
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
const fmt = (s: Shape) => `[${s.join(', ')}]`;

function describe(l: LayerSpec): string {
  switch (l.type) {
    case 'dense':
      return `dense ${l.units} ${l.activation}`;
    case 'conv':
      return `conv ${l.filters} k${l.kernel} s${l.stride} ${l.activation}`;
    case 'convTranspose':
      return `conv-T ${l.filters} k${l.kernel} s${l.stride} ${l.activation}`;
    case 'upsample':
      return `upsample ×${l.factor}`;
    case 'maxPool':
      return `max-pool ${l.size}`;
    case 'batchNorm':
      return 'batch-norm';
    case 'dropout':
      return `dropout ${l.rate}`;
    case 'activation':
      return l.activation;
    case 'reshape':
      return `reshape ${fmt(l.shape)}`;
  }
}

/** Values per image of a k×k convolution's patch matrix, counted twice as measured (LayerShape.scratch). */
const patchScratch = (positions: number, kernel: number, channels: number) => 2 * positions * kernel * kernel * channels;

/** Output shape and parameter count of one layer, or a ShapeError naming it. Convolutions pad 'same'. */
export function layerShape(
  l: LayerSpec,
  input: Shape,
  path: (string | number)[],
): { shape: Shape; params: number; scratch?: number } {
  const where = `${String(path.at(-2))}[${String(path.at(-1))}] (${l.type})`;
  const image = (): [number, number, number] => {
    if (input.length !== 3)
      throw new ShapeError(path, `${where} needs an image-shaped input [H, W, C], got ${fmt(input)}: add a reshape before it`);
    return input as [number, number, number];
  };
  switch (l.type) {
    case 'dense':
      return { shape: [l.units], params: size(input) * l.units + l.units };
    case 'conv': {
      const [h, w, c] = image();
      const out: Shape = [Math.ceil(h / l.stride), Math.ceil(w / l.stride), l.filters];
      return {
        shape: out,
        params: l.kernel * l.kernel * c * l.filters + l.filters,
        scratch: patchScratch(size(out.slice(0, 2)), l.kernel, c),
      };
    }
    case 'convTranspose': {
      const [h, w, c] = image();
      // Its forward pass and filter gradient are a convolution's input and filter gradients, from its output back
      // to its input: patches at each input position over the output's channels.
      return {
        shape: [h * l.stride, w * l.stride, l.filters],
        params: l.kernel * l.kernel * c * l.filters + l.filters,
        scratch: patchScratch(h * w, l.kernel, l.filters),
      };
    }
    case 'upsample': {
      const [h, w, c] = image();
      return { shape: [h * l.factor, w * l.factor, c], params: 0 };
    }
    case 'maxPool': {
      const [h, w, c] = image();
      if (h < l.size || w < l.size)
        throw new ShapeError(path, `${where}: a ${l.size}x${l.size} pool does not fit a ${h}x${w} map`);
      return { shape: [Math.ceil(h / l.size), Math.ceil(w / l.size), c], params: 0 };
    }
    case 'batchNorm':
      // gamma and beta are trained; the moving mean and variance are kept too (counted as Keras does).
      return { shape: input, params: 4 * (input.at(-1) ?? 0) };
    case 'dropout':
    case 'activation':
      return { shape: input, params: 0 };
    case 'reshape':
      if (size(l.shape) !== size(input)) {
        throw new ShapeError(
          path,
          `${where}: ${fmt(l.shape)} holds ${size(l.shape)} values, its input ${fmt(input)} has ${size(input)}`,
        );
      }
      return { shape: [...l.shape], params: 0 };
  }
}

/** Runs shapes through a stack; `base` is the stack's config path, e.g. ['model', 'encoder']. */
export function inferStack(
  input: Shape,
  layers: readonly LayerSpec[],
  base: (string | number)[],
): { shapes: LayerShape[]; output: Shape } {
  let shape = input;
  const shapes = layers.map((l, i) => {
    const r = layerShape(l, shape, [...base, i]);
    shape = r.shape;
    return {
      where: `${String(base.at(-1))}[${i}]`,
      label: describe(l),
      outputShape: r.shape,
      params: r.params,
      ...(r.scratch ? { scratch: r.scratch } : {}),
    };
  });
  return { shapes, output: shape };
}

/** Shapes of a stack's layers up to the first that does not fit (for display while editing). */
export function partialStack(input: Shape, layers: readonly LayerSpec[], base: (string | number)[]): LayerShape[] {
  const out: LayerShape[] = [];
  let shape = input;
  for (const [i, l] of layers.entries()) {
    try {
      const r = layerShape(l, shape, [...base, i]);
      shape = r.shape;
      out.push({ where: `${String(base.at(-1))}[${i}]`, label: describe(l), outputShape: r.shape, params: r.params });
    } catch {
      break;
    }
  }
  return out;
}

/** Encoder + code head + decoder + output head of an autoencoder body. */
export interface Architecture {
  encoder: LayerSpec[];
  latentSize: number;
  decoder: LayerSpec[];
}

export interface ArchitectureShapes {
  layers: LayerShape[];
  /** Parameters a family keeps beside its layers (a codebook, cluster centres, pseudo-inputs), in `totalParams`. */
  extras?: LayerShape[];
  totalParams: number;
  /** The width of the code itself (a VAE's code head is twice as wide: a mean and a log-variance per dimension). */
  codeSize: number;
}

/**
 * Infers every shape from the image through the encoder, a dense code head (`codeUnits` wide, e.g. 2 x latent
 * for mu and log-variance), the decoder from `decoderInput` values, and the output head back to the image:
 * a dense layer when the decoder ends flat, a 3x3 conv when it ends at the image's height and width.
 */
export function inferArchitecture(
  image: [number, number, number],
  a: Architecture,
  opts: { codeUnits?: number; decoderInput?: number; encoderLabels?: number } = {},
): ArchitectureShapes {
  // A conditional encoder's one-hot label joins the flat image where the stack starts dense (or is empty), else the
  // flattened features before the code head (buildConditionalEncoder).
  const labels = opts.encoderLabels ?? 0;
  const joinAtInput = labels > 0 && (a.encoder.length === 0 || a.encoder[0]?.type === 'dense');
  const enc = inferStack(joinAtInput ? [size(image) + labels] : image, a.encoder, ['model', 'encoder']);
  const codeUnits = opts.codeUnits ?? a.latentSize;
  const codeInputs = size(enc.output) + (labels > 0 && !joinAtInput ? labels : 0);
  const code: LayerShape = {
    where: 'code',
    label:
      codeUnits === a.latentSize ? `dense ${codeUnits} (code)` : `dense ${codeUnits} (code head for a ${a.latentSize}-d code)`,
    outputShape: [codeUnits],
    params: codeInputs * codeUnits + codeUnits,
  };
  const dec = inferStack([opts.decoderInput ?? a.latentSize], a.decoder, ['model', 'decoder']);
  const [h, w, c] = image;
  let head: LayerShape;
  if (dec.output.length === 1) {
    head = {
      where: 'output',
      label: `dense ${h * w * c} → ${fmt(image)}`,
      outputShape: image,
      params: (dec.output[0] ?? 0) * h * w * c + h * w * c,
    };
  } else if (dec.output[0] === h && dec.output[1] === w) {
    head = {
      where: 'output',
      label: `conv ${c} k3 → ${fmt(image)}`,
      outputShape: image,
      params: 9 * (dec.output[2] ?? 0) * c + c,
      scratch: patchScratch(h * w, 3, dec.output[2] ?? 0),
    };
  } else {
    throw new ShapeError(
      ['model', 'decoder'],
      `decoder ends at ${fmt(dec.output)}: it must end flat (a dense output layer follows) or at ${h} x ${w} (a 3x3 conv output layer follows)`,
    );
  }
  const layers = [...enc.shapes, code, ...dec.shapes, head];
  return { layers, totalParams: layers.reduce((n, l) => n + l.params, 0), codeSize: a.latentSize };
}

/** tfjs kernels that training these layers needs beyond the basics (their gradients), by layer type. */
const gradientKernels: Partial<Record<LayerType, string[]>> = {
  conv: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
  convTranspose: ['Conv2DBackpropInput', 'Conv2D', 'Conv2DBackpropFilter'],
  upsample: ['ResizeNearestNeighbor', 'ResizeNearestNeighborGrad'],
  maxPool: ['MaxPool', 'MaxPoolGrad'],
};

export function kernelsToTrain(a: Partial<Architecture>): string[] {
  return [...new Set([...(a.encoder ?? []), ...(a.decoder ?? [])].flatMap((l) => gradientKernels[l.type] ?? []))];
}
