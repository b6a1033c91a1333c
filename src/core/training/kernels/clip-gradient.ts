import type { GradConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { heapOffset, requireWasmSimd, type WasmBackendHeap } from './simd-module';

/** The gradient of clipByValue in one kernel: inputs dy and x, attrs clipValueMin and clipValueMax. */
export const clipGradientKernel = 'LatentStudioClipGradient';

interface ClipAttrs {
  clipValueMin: number;
  clipValueMax: number;
}

const f = Math.fround;

const cpuClipGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const { clipValueMin, clipValueMax } = attrs as unknown as ClipAttrs;
  const cpu = backend as unknown as {
    readSync(dataId: object): Float32Array;
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  };
  const [dys, xs] = [cpu.readSync(dy.dataId), cpu.readSync(x.dataId)];
  const [lo, hi] = [f(clipValueMin), f(clipValueMax)];
  const out = new Float32Array(xs.length);
  for (let i = 0; i < out.length; i++) {
    const v = xs[i] as number;
    if (v >= lo && v <= hi) out[i] = dys[i] as number;
  }
  return cpu.makeTensorInfo(x.shape, 'float32', out);
};

const wasmClipGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const { clipValueMin, clipValueMax } = attrs as unknown as ClipAttrs;
  const wasm = backend as unknown as WasmBackendHeap;
  const out = wasm.makeOutput(x.shape, 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  requireWasmSimd().clipGradient(
    heapOffset(wasm, dy),
    heapOffset(wasm, x),
    heapOffset(wasm, out),
    n,
    f(clipValueMin),
    f(clipValueMax),
  );
  return out;
};

let original: GradConfig | undefined;

/**
 * BCE clips every output pixel, and tfjs takes the clip's gradient as four kernels over the batch
 * (x ≥ min, x ≤ max, and, select). Where a backend has the fused kernel (cpu; wasm once its SIMD kernels
 * are enabled) the gradient runs it instead: the same values, dy or 0. Elsewhere, tfjs's own gradient.
 */
export function registerFusedClipGradient(backendName: 'cpu' | 'wasm'): void {
  if (!tf.getKernel(clipGradientKernel, backendName))
    tf.registerKernel({
      kernelName: clipGradientKernel,
      backendName,
      kernelFunc: backendName === 'cpu' ? cpuClipGradient : wasmClipGradient,
    });
  if (original) return;
  original = tf.getGradient('ClipByValue');
  const fallback = original.gradFunc;
  tf.unregisterGradient('ClipByValue');
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const floats = !Array.isArray(dy) && dy.dtype === 'float32' && x?.dtype === 'float32';
      if (!floats || !tf.getKernel(clipGradientKernel, tf.getBackend())) return fallback(dy, saved, attrs);
      return {
        x: () => tf.engine().runKernel<Tensor>(clipGradientKernel, { dy, x: x }, attrs),
      };
    },
  });
}
