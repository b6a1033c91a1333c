import type { GradConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { heapOffset, requireWasmSimd, type SimdKernels, type WasmBackendHeap } from './simd-module';
import { elementwiseKernel, type Elementwise } from './webgpu-elementwise';

const f = Math.fround;

interface FusedGradient {
  /** The fused kernel: inputs dy and x (the forward input), the forward kernel's attrs. */
  kernel: string;
  /** One element of the gradient, as tfjs's composite gradient computes it in float32. */
  cpu(dy: number, x: number, attrs: NamedAttrMap): number;
  /** The whole gradient by the SIMD module (byte offsets, n float32 elements). */
  wasm(simd: SimdKernels, dy: number, x: number, out: number, n: number, attrs: NamedAttrMap): void;
  /** The same on webgpu, one dispatch (inputs DY and X), with its uniforms from the attrs. */
  webgpu: Elementwise;
  uniforms?(attrs: NamedAttrMap): number[];
}

/**
 * Gradients that tfjs composes of several elementwise kernels over a whole activation, each one pass:
 * - ClipByValue (BCE clips every output pixel): where(x ≥ min ∧ x ≤ max, dy, 0), four kernels;
 * - Relu (every hidden layer): dy · cast(step(x)), three kernels; step is NaN for NaN, so is the result.
 * The fused kernels give the same values, bit for bit (on webgpu one dispatch each; NaN in a Relu's input gives 0 there,
 * since WGSL may assume no NaN).
 */
const gradients: Record<'ClipByValue' | 'Relu', FusedGradient> = {
  ClipByValue: {
    kernel: 'LatentStudioClipGradient',
    cpu: (dy, x, a) => (x >= f(a['clipValueMin'] as number) && x <= f(a['clipValueMax'] as number) ? dy : 0),
    wasm: (simd, dy, x, out, n, a) =>
      simd.clipGradient(dy, x, out, n, f(a['clipValueMin'] as number), f(a['clipValueMax'] as number)),
    webgpu: {
      key: 'clip_gradient',
      inputs: ['DY', 'X'],
      uniforms: ['lo', 'hi'],
      code: 'if (x >= uniforms.lo && x <= uniforms.hi) { out_value = dy; }',
    },
    uniforms: (a) => [a['clipValueMin'] as number, a['clipValueMax'] as number],
  },
  Relu: {
    kernel: 'LatentStudioReluGradient',
    cpu: (dy, x) => dy * (Number.isNaN(x) ? x : x > 0 ? 1 : 0),
    wasm: (simd, dy, x, out, n) => simd.reluGradient(dy, x, out, n),
    webgpu: { key: 'relu_gradient', inputs: ['DY', 'X'], code: 'if (x > 0.0) { out_value = dy; }' },
  },
};

/** The fused kernels' names, by the kernel whose gradient they compute. */
export const fusedGradientKernels = Object.fromEntries(Object.entries(gradients).map(([k, g]) => [k, g.kernel])) as Record<
  keyof typeof gradients,
  string
>;

function cpuKernel(g: FusedGradient): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
    const cpu = backend as unknown as {
      readSync(dataId: object): Float32Array;
      makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
    };
    const [dys, xs] = [cpu.readSync(dy.dataId), cpu.readSync(x.dataId)];
    const out = new Float32Array(xs.length);
    for (let i = 0; i < out.length; i++) out[i] = g.cpu(dys[i] as number, xs[i] as number, attrs ?? {});
    return cpu.makeTensorInfo(x.shape, 'float32', out);
  };
}

function wasmKernel(g: FusedGradient): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
    const wasm = backend as unknown as WasmBackendHeap;
    const out = wasm.makeOutput(x.shape, 'float32');
    const n = x.shape.reduce((a, b) => a * b, 1);
    g.wasm(requireWasmSimd(), heapOffset(wasm, dy), heapOffset(wasm, x), heapOffset(wasm, out), n, attrs ?? {});
    return out;
  };
}

const overridden = new Set<string>();

/**
 * Registers the fused kernels for a backend that can run them ('wasm' once its SIMD kernels are enabled)
 * and, once, replaces the gradients: where the active backend has the fused kernel and the tensors are
 * float32, the gradient runs it; elsewhere (tfjs-node, say) tfjs's own gradient.
 */
export function registerFusedGradients(backendName: 'cpu' | 'wasm' | 'webgpu'): void {
  for (const [kernelName, g] of Object.entries(gradients)) {
    const kernels = {
      cpu: () => cpuKernel(g),
      wasm: () => wasmKernel(g),
      webgpu: () => elementwiseKernel(g.webgpu, ['dy', 'x'], (a) => g.uniforms?.(a as NamedAttrMap) ?? []),
    };
    if (!tf.getKernel(g.kernel, backendName))
      tf.registerKernel({ kernelName: g.kernel, backendName, kernelFunc: kernels[backendName]() });
    if (overridden.has(kernelName)) continue;
    overridden.add(kernelName);
    const original: GradConfig = tf.getGradient(kernelName);
    tf.unregisterGradient(kernelName);
    tf.registerGradient({
      ...original,
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const floats = !Array.isArray(dy) && dy.dtype === 'float32' && x?.dtype === 'float32';
        if (!floats || !tf.getKernel(g.kernel, tf.getBackend())) return original.gradFunc(dy, saved, attrs);
        return { x: () => tf.engine().runKernel<Tensor>(g.kernel, { dy, x }, attrs) };
      },
    });
  }
}

/** Removes the fused kernels of a backend, so that the gradients run tfjs's own: what the bench compares with. */
export function unregisterFusedGradients(backendName: string): void {
  for (const g of Object.values(gradients)) if (tf.getKernel(g.kernel, backendName)) tf.unregisterKernel(g.kernel, backendName);
}
