import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { heapOffset, wasmSimd, type SimdKernels, type WasmBackendHeap } from './simd-module';

const wrapped = new WeakSet<KernelFunc>();

/**
 * Replaces a wasm kernel by `fast`, which returns null for the inputs it does not handle (they go to the
 * original kernel, as does everything while the SIMD kernels are not enabled).
 */
function wrapWasmKernel(
  kernelName: string,
  fast: (args: Parameters<KernelFunc>[0], simd: SimdKernels, backend: WasmBackendHeap) => TensorInfo | null,
): void {
  const original = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
  if (!original || wrapped.has(original.kernelFunc)) return;
  const plain = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const simd = wasmSimd();
    return (simd && fast(args, simd, args.backend as unknown as WasmBackendHeap)) ?? plain(args);
  };
  wrapped.add(kernelFunc);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

/** perm keeps the leading axes and swaps the last two: a batch of matrix transposes. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  return r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, r - 2).every((p, i) => p === i);
}

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

interface RefCounted {
  incRef(dataId: object): void;
}

/**
 * wasm kernels replaced by the SIMD module's, where the inputs fit; the results are the same:
 * - Transpose of 32-bit tensors whose permutation swaps the last two axes (every transposed MatMul
 *   operand): the 4 × 4 tile kernel per matrix; the same elements moved, bit for bit.
 * - Sum of float32 over leading axes (bias gradients): row-streaming sums, each column in row order.
 * And Identity shares its input's buffer (one more reference) instead of copying it, as the cpu backend
 * and wasm's own Reshape do: no wasm kernel writes into its inputs, so a shared buffer never changes.
 * tfjs's gradients call Identity on every activation they pass through (six 400k-element copies a
 * step in the conv VAE).
 */
export function registerWasmSimdKernels(): void {
  const identity = tf.getKernel('Identity', 'wasm') as KernelConfig | undefined;
  if (identity && !wrapped.has(identity.kernelFunc)) {
    const copy = identity.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (x.dtype === 'string') return copy(args);
      (args.backend as unknown as RefCounted).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    };
    wrapped.add(kernelFunc);
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({ ...identity, kernelFunc });
  }

  wrapWasmKernel('Transpose', ({ inputs, attrs }, simd, backend) => {
    const { x } = inputs as { x: TensorInfo };
    const { perm } = attrs as { perm: number[] };
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !swapsLastTwo(perm)) return null;
    const rank = x.shape.length;
    const rows = x.shape[rank - 2] as number;
    const cols = x.shape[rank - 1] as number;
    const out = backend.makeOutput(
      perm.map((p) => x.shape[p] as number),
      x.dtype,
    );
    if (rows * cols === 0) return out;
    const [src, dst] = [heapOffset(backend, x), heapOffset(backend, out)];
    const bytes = rows * cols * 4;
    for (let b = 0; b < product(x.shape.slice(0, rank - 2)); b++) simd.transpose32(src + b * bytes, dst + b * bytes, rows, cols);
    return out;
  });

  wrapWasmKernel('Sum', ({ inputs, attrs }, simd, backend) => {
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    // Only a leading run of axes (0, 1, …, k−1), leaving at least one axis.
    if (x.dtype !== 'float32' || axes.length === 0 || axes.length >= rank || axes.some((a, i) => a !== i)) return null;
    const kept = x.shape.slice(axes.length);
    // Fewer than four columns: no SIMD to gain, and wasm's own kernel sums one long row faster.
    if (product(kept) < 4) return null;
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    simd.sumRows(heapOffset(backend, x), heapOffset(backend, out), product(x.shape.slice(0, axes.length)), product(kept));
    return out;
  });
}
