/**
 * A decoder's sigmoid head that remembers the logits each output came from, so that BCE is taken from the logits
 * (src/ml/losses.ts), as PyTorch's binary_cross_entropy_with_logits takes it in the reference (bench/pytorch_vae.py):
 * max(z, 0) − x·z + log(1 + e^−|z|), whose gradient σ(z) − x never vanishes. Taken from the probabilities clipped
 * to [ε, 1 − ε], a pixel whose σ(z) lies past the clip (|z| ≳ 16) gets no gradient at all, however wrong it is, and
 * its loss is capped at −log ε.
 *
 * Saved, the layer is a plain Keras `Activation` (its class name and config), so tf.loadLayersModel reads an export
 * with no custom class; there the output is just σ(z).
 */
import { tf, tfl, type LayersModel, type Tensor } from './tf';

const logitsOfOutput = new WeakMap<Tensor, Tensor>();

export class SigmoidOutput extends tfl.layers.Layer {
  /** What the saved topology names, so that a stock loader builds its own Activation. */
  static className = 'Activation';

  override call(inputs: Tensor | Tensor[]): Tensor {
    const z = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!z) throw new Error('the sigmoid output layer was called without an input');
    const p = tf.sigmoid(z);
    logitsOfOutput.set(p, z);
    return p;
  }

  override getConfig() {
    return { ...super.getConfig(), activation: 'sigmoid' };
  }
}

/** The layer: a sigmoid head for a decoder, named `name`. */
export const sigmoidOutput = (name: string): SigmoidOutput => new SigmoidOutput({ name });

/** The logits `p` was computed from, if a SigmoidOutput layer made it and they are still alive; else undefined. */
export function logitsOf(p: Tensor): Tensor | undefined {
  const z = logitsOfOutput.get(p);
  return z && !z.isDisposed ? z : undefined;
}

/**
 * The head on the logits `logits()` makes: inside a tidy (a training step, a loss) the logits stay in that scope,
 * where the loss finds them, and go with it; outside any tidy nothing would free them once the caller frees the
 * output, so there they are made and freed in a tidy of their own.
 */
export function applyHead(head: SigmoidOutput, logits: () => Tensor, kwargs?: Parameters<SigmoidOutput['apply']>[1]): Tensor {
  if (tf.engine().state.activeScope) return head.apply(logits(), kwargs) as Tensor;
  return tf.tidy(() => head.apply(logits(), kwargs) as Tensor);
}

type Apply = LayersModel['apply'];
const isTensor = (t: unknown): t is Tensor => t instanceof tf.Tensor;

/**
 * A sequential model whose last layer is a SigmoidOutput, made to keep its logits when applied to tensors: a model's
 * own `apply` runs its layers inside one tidy, which frees the logits as soon as the output is made. Here the layers
 * before the head run in a tidy that returns the logits, so they live in the caller's scope, as the output does, and
 * the head runs there (`applyHead`). On symbolic inputs (building a graph) the model is applied as it was. The model
 * is changed in place, as src/ml/mode.ts changes its layers, and returned.
 */
export function keepLogits<M extends LayersModel>(model: M): M {
  const head = model.layers.at(-1);
  if (!(head instanceof SigmoidOutput)) throw new Error(`${model.name}: its last layer is not a sigmoid output`);
  const body = model.layers.slice(0, -1).filter((l) => l.getClassName() !== 'InputLayer');
  const asBuilt: Apply = model.apply.bind(model);
  model.apply = (inputs, kwargs) => {
    const x = Array.isArray(inputs) && inputs.length === 1 ? inputs[0] : inputs;
    if (!isTensor(x)) return asBuilt(inputs, kwargs);
    return applyHead(head, () => tf.tidy(() => body.reduce<Tensor>((h, l) => l.apply(h, kwargs) as Tensor, x)), kwargs);
  };
  return model;
}
