/**
 * The VAE's two elementwise losses as one dispatch each way on webgpu, where every kernel is a dispatch and these
 * run over every pixel of every step: BCE per pixel (tfjs composes it of eleven kernels forward and more backward)
 * and the closed-form Gaussian KL per dimension (six forward). On other backends the callers keep tfjs's ops, so
 * their results do not change; on webgpu the values match tfjs's to float32 rounding (tests/integration/webgpu.test.ts).
 */
import { tf, type Tensor } from '../tf';
import { elementwiseKernel, registerOnWebGpu } from './webgpu-elementwise';

const kernels = {
  bce: 'LatentStudioBce',
  bceGradient: 'LatentStudioBceGradient',
  bceLogits: 'LatentStudioBceLogits',
  bceLogitsGradient: 'LatentStudioBceLogitsGradient',
  kl: 'LatentStudioGaussianKl',
  klGradient: 'LatentStudioGaussianKlGradient',
} as const;

const clipBounds = (attrs: unknown) => {
  const { eps } = attrs as { eps: number };
  return [eps, 1 - eps];
};

/** Registers the fused losses on webgpu (once its backend is up). */
export function registerFusedLosses(): void {
  // −[x log p + (1 − x) log(1 − p)], p = clip(x̂, ε, 1 − ε): tfjs's ops in their order.
  registerOnWebGpu(
    kernels.bce,
    elementwiseKernel(
      {
        key: 'bce',
        inputs: ['X', 'P'],
        uniforms: ['lo', 'hi'],
        code: 'let q = clamp(p, uniforms.lo, uniforms.hi);\nout_value = -((x * log(q)) + ((1.0 - x) * log(1.0 - q)));',
      },
      ['x', 'p'],
      clipBounds,
    ),
  );
  // d/dx̂: −dy·x/p + dy·(1 − x)/(1 − p) where the clip passes x̂ through, else 0.
  registerOnWebGpu(
    kernels.bceGradient,
    elementwiseKernel(
      {
        key: 'bce_gradient',
        inputs: ['DY', 'X', 'P'],
        uniforms: ['lo', 'hi'],
        code: 'if (p >= uniforms.lo && p <= uniforms.hi) {\n  out_value = ((-dy * x) / p) + ((dy * (1.0 - x)) / (1.0 - p));\n}',
      },
      ['dy', 'x', 'p'],
      clipBounds,
    ),
  );
  // From the logits z: max(z, 0) − x·z + log(1 + e^−|z|) (src/ml/losses.ts), and its gradient dy·(σ(z) − x).
  registerOnWebGpu(
    kernels.bceLogits,
    elementwiseKernel(
      { key: 'bce_logits', inputs: ['X', 'Z'], code: 'out_value = (max(z, 0.0) - x * z) + log(1.0 + exp(-abs(z)));' },
      ['x', 'z'],
    ),
  );
  registerOnWebGpu(
    kernels.bceLogitsGradient,
    elementwiseKernel(
      {
        key: 'bce_logits_gradient',
        inputs: ['DY', 'X', 'Z'],
        code: 'out_value = dy * ((1.0 / (1.0 + exp(-z))) - x);',
      },
      ['dy', 'x', 'z'],
    ),
  );
  // ½(e^lv + μ² − (1 + lv)), and its gradient in lv, ½·dy·(e^lv − 1).
  registerOnWebGpu(
    kernels.kl,
    elementwiseKernel(
      { key: 'gaussian_kl', inputs: ['MU', 'LV'], code: 'out_value = 0.5 * ((exp(lv) + mu * mu) - (1.0 + lv));' },
      ['mu', 'lv'],
    ),
  );
  registerOnWebGpu(
    kernels.klGradient,
    elementwiseKernel({ key: 'gaussian_kl_gradient', inputs: ['DY', 'LV'], code: 'out_value = dy * 0.5 * (exp(lv) - 1.0);' }, [
      'dy',
      'lv',
    ]),
  );
}

/** Removes them, so that the callers run tfjs's ops: what the bench compares with. */
export function unregisterFusedLosses(): void {
  for (const name of Object.values(kernels)) if (tf.getKernel(name, 'webgpu')) tf.unregisterKernel(name, 'webgpu');
}

/** The backend has the fused kernel, and the two tensors are float32 of one shape (the programs do not broadcast). */
const fused = (name: string, a: Tensor, b: Tensor) =>
  tf.getKernel(name, tf.getBackend()) !== undefined &&
  a.dtype === 'float32' &&
  b.dtype === 'float32' &&
  a.shape.length === b.shape.length &&
  a.shape.every((d, i) => d === b.shape[i]);
const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, number> = {}) =>
  tf.engine().runKernel<Tensor>(name, inputs, attrs);

/** BCE per element of x̂ against x (x a constant), fused where the backend has the kernel; null elsewhere. */
export function fusedBce(x: Tensor, xHat: Tensor, eps: number): Tensor | null {
  if (!fused(kernels.bce, x, xHat)) return null;
  return tf.customGrad<Tensor>((...args: unknown[]) => {
    const p = args[0] as Tensor;
    // x too: a tidy inside the loss may free it before the gradient runs (IWAE's tiled images); saved ones are kept.
    (args[1] as (saved: Tensor[]) => void)([p, x]);
    return {
      value: run(kernels.bce, { x, p }, { eps }),
      gradFunc: (dy: Tensor, [q, target]: Tensor[]) =>
        run(kernels.bceGradient, { dy, x: target as Tensor, p: q as Tensor }, { eps }),
    };
  })(xHat);
}

/** BCE per element from the logits z against x (a constant), fused where the backend has the kernel; null elsewhere. */
export function fusedBceFromLogits(x: Tensor, logits: Tensor): Tensor | null {
  if (!fused(kernels.bceLogits, x, logits)) return null;
  return tf.customGrad<Tensor>((...args: unknown[]) => {
    const z = args[0] as Tensor;
    (args[1] as (saved: Tensor[]) => void)([z, x]);
    return {
      value: run(kernels.bceLogits, { x, z }),
      gradFunc: (dy: Tensor, [zs, target]: Tensor[]) =>
        run(kernels.bceLogitsGradient, { dy, x: target as Tensor, z: zs as Tensor }),
    };
  })(logits);
}

/** KL(N(μ, e^lv) ‖ N(0, 1)) per element, fused where the backend has the kernel; null elsewhere. */
export function fusedGaussianKl(mu: Tensor, logVar: Tensor): Tensor | null {
  if (!fused(kernels.kl, mu, logVar)) return null;
  return tf.customGrad<Tensor>((...args: unknown[]) => {
    const [m, lv] = args as [Tensor, Tensor];
    (args[2] as (saved: Tensor[]) => void)([m, lv]);
    return {
      value: run(kernels.kl, { mu: m, lv }),
      gradFunc: (dy: Tensor, saved: Tensor[]) => [
        tf.mul(dy, saved[0] as Tensor),
        run(kernels.klGradient, { dy, lv: saved[1] as Tensor }),
      ],
    };
  })(mu, logVar);
}
