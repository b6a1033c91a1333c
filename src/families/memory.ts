import type { FamilySpec } from './family-spec';
import { inferArchitecture, type Architecture, type ArchitectureShapes } from './layers';

/** How a family's model maps onto the common encoder → code → decoder body, for shapes and memory. */
export interface ArchitectureOf {
  body: Architecture;
  /** Width of the code head (2 × latent for mu and log σ²). */
  codeUnits?: number;
  /** Width the decoder starts from (latent + one-hot label for the CVAE). */
  decoderInput?: number;
  /** One-hot label units the encoder takes beside the image (the CVAE's classes). */
  encoderLabels?: number;
  /** Decoders trained side by side (the deepfake's two identities). */
  decoders?: number;
  /** Parameters beside the layers: a codebook, cluster centres, pseudo-inputs (`where` names them: `codebook`). */
  extras?: { where: string; label: string; shape: number[] }[];
  /**
   * Values per image beside the layers' outputs that the largest batch holds at once: a quantiser's distances from
   * every code position to every codebook vector, their temporaries and the one-hot codes (quantiserValues).
   */
  perImageValues?: number;
}

/** A nearest-code quantiser's values per image: [positions, K] distances, two temporaries of their sum, one-hot codes. */
export const quantiserValues = (positions: number, codes: number): number => 4 * positions * codes;

export type ArchitectureHook<M> = (model: M, ctx: { classes: number; pixels: number }) => ArchitectureOf;

function isArchitecture(model: unknown): model is Architecture {
  const m = model as Partial<Architecture> | null;
  return !!m && Array.isArray(m.encoder) && Array.isArray(m.decoder) && typeof m.latentSize === 'number';
}

/** A family's architecture: its spec's own hook, or the model itself when it is an encoder/latent/decoder body. */
function architectureOf(spec: object, model: unknown, classes: number, pixels = 0): ArchitectureOf | null {
  const hook = (spec as Pick<FamilySpec<unknown>, 'architecture'>).architecture;
  if (hook) return hook(model, { classes, pixels });
  return isArchitecture(model) ? { body: model } : null;
}

/** The size of a family's latent code, where its model has one (the body's latentSize). */
export function latentSizeOf(spec: object, model: unknown): number | undefined {
  return architectureOf(spec, model, 0)?.body.latentSize;
}

/**
 * Every shape through a family's model on an image, and its parameters beside the layers (`extras`, in the total);
 * null for a family with no architecture to show. Throws the ShapeError of the first layer that does not fit.
 */
export function familyShapes(
  spec: object,
  model: unknown,
  image: [number, number, number],
  classes: number,
): { shapes: ArchitectureShapes; arch: ArchitectureOf } | null {
  const arch = architectureOf(spec, model, classes, image[0] * image[1] * image[2]);
  if (!arch) return null;
  const shapes = inferArchitecture(image, arch.body, {
    codeUnits: arch.codeUnits,
    decoderInput: arch.decoderInput,
    encoderLabels: arch.encoderLabels,
  });
  const extras = (arch.extras ?? []).map((e) => ({
    where: e.where,
    label: e.label,
    outputShape: e.shape,
    params: e.shape.reduce((a, b) => a * b, 1),
  }));
  if (extras.length === 0) return { shapes, arch };
  return { shapes: { ...shapes, extras, totalParams: shapes.totalParams + extras.reduce((n, e) => n + e.params, 0) }, arch };
}

export interface MemoryEstimate {
  params: number;
  /** Weights, their gradients and the optimizer's slots, and an update's new weights and slots beside them, float32. */
  parameterBytes: number;
  /**
   * Every layer's output at the batch size, kept for the backward pass, with its gradient and one temporary; and the
   * largest temporary one layer's gradient builds (a convolution's patch matrix, LayerShape.scratch).
   */
  activationBytes: number;
  /** A quantiser's distances and codes per image (ArchitectureOf.perImageValues) at the larger of the batches. */
  quantiserBytes: number;
  bytes: number;
}

const bytesPerFloat = 4;
/** Slots an optimizer keeps per weight: Adam's two moments, RMSProp's mean square, none for plain SGD. */
const optimizerSlots: Record<string, number> = { adam: 2, rmsprop: 1, sgd: 0 };
/**
 * Copies of the parameters at a step's peak: the weights and their slots, the gradients, the update's new weights
 * and slots made beside the old ones, and one for the allocator's fragmentation (the freed old ones are not all
 * reused): 8 for Adam. Measured on wasm, the heap's high-water mark after a few steps of a dense autoencoder whose
 * weights dominate: 6.9 × the weights (4 × 2048 units) and 8.1 × (4 × 4096), steady from the third step.
 */
const parameterCopies = (optimizer: string) => 4 + 2 * (optimizerSlots[optimizer] ?? 2);
/**
 * The heap's high-water mark over the activations and patch matrices a step holds at its peak: they are freed and
 * made again at other sizes, layer by layer, and the allocator does not reuse every freed block. Measured on wasm
 * after four steps, each model in a fresh process (2026-12-07, as tests/integration/memory-estimate.test.ts measures
 * its three): 1.03 × (conv AE, transposed convolutions, batch 512), 1.09 × (conv AE, upsampling, 512), 1.12 × (conv
 * VAE with batch norm, 256), 1.24 × (conv VAE, 512) the estimate without this slack.
 */
const allocatorSlack = 1.25;
/** Forward value, its gradient, and one temporary (pre-activation, mask) per layer output. */
const activationCopies = 3;
/** The batch of each epoch's test pass (trainer.evaluate's): a quantiser's values at it may outgrow training's. */
const testBatch = 256;

/**
 * An estimate of what training takes, from the inferred shapes: the parameters × their copies at a step's peak, plus the
 * activations and the largest convolution patch matrix at the batch size, with the allocator's slack; a quantiser's
 * distances beside them. Checked against wasm's heap by tests/integration/memory-estimate.test.ts.
 */
export function trainingMemory(
  shapes: ArchitectureShapes,
  image: readonly number[],
  training: { batchSize: number; optimizer: string },
  decoders = 1,
  perImageValues = 0,
): MemoryEstimate {
  const values = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const codeAt = shapes.layers.findIndex((l) => l.where === 'code');
  const decoderPart = shapes.layers.slice(codeAt + 1);
  const extra = decoders - 1;
  const params = shapes.totalParams + extra * decoderPart.reduce((n, l) => n + l.params, 0);
  const outputs =
    values(image) +
    shapes.layers.reduce((n, l) => n + values(l.outputShape), 0) +
    extra * decoderPart.reduce((n, l) => n + values(l.outputShape), 0);
  const parameterBytes = params * bytesPerFloat * parameterCopies(training.optimizer);
  const scratch = Math.max(0, ...shapes.layers.map((l) => l.scratch ?? 0));
  const activationBytes = training.batchSize * (outputs * activationCopies + scratch) * bytesPerFloat * allocatorSlack;
  const quantiserBytes = Math.max(training.batchSize, testBatch) * perImageValues * bytesPerFloat;
  return { params, parameterBytes, activationBytes, quantiserBytes, bytes: parameterBytes + activationBytes + quantiserBytes };
}

/** Shapes and memory of a family's model on an image, or null while its stacks do not fit (shape errors are reported elsewhere). */
export function modelMemory(
  spec: object,
  model: unknown,
  ctx: { image: [number, number, number]; classes: number; training: { batchSize: number; optimizer: string } },
): MemoryEstimate | null {
  try {
    const found = familyShapes(spec, model, ctx.image, ctx.classes);
    return found ? trainingMemory(found.shapes, ctx.image, ctx.training, found.arch.decoders, found.arch.perImageValues) : null;
  } catch {
    return null;
  }
}

/** Wasm's heap is 32-bit: no backend in it can hold more than 4 GiB. */
export const wasmHeapBytes = 4 * 1024 ** 3;

/**
 * The memory a run may plan to use: half of the machine's (the studio, the OS and other runs need the rest), and at
 * most wasm's heap on wasm. `auto` is the backend it picks on this machine (`autoBackend`, once a probe said); until
 * that is known, held to wasm's heap too, since auto may end on wasm (a machine without a GPU or tfjs-node).
 */
export function memoryBudget(totalMemoryBytes: number, backend: string, autoBackend?: string): number {
  const half = Math.floor(totalMemoryBytes / 2);
  return trainsOn(backend, autoBackend) === 'wasm' ? Math.min(half, wasmHeapBytes) : half;
}

/** The backend a run on `backend` trains on: `auto` resolved as this machine resolves it (wasm until known). */
export function trainsOn(backend: string, autoBackend?: string): string {
  return backend === 'auto' ? (autoBackend ?? 'wasm') : backend;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(n / 1024))} KiB`;
}
