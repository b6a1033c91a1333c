import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';

interface WasmBackend {
  disposeData(dataId: object): void;
}

interface MatMulAttrs extends NamedAttrMap {
  transposeA: boolean;
  transposeB: boolean;
}

const wrapped = new WeakSet<KernelFunc>();

const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
/** Rows and columns of a matrix (or of each matrix in a batch). */
const rows = (t: TensorInfo) => t.shape[t.shape.length - 2] ?? 1;
const cols = (t: TensorInfo) => t.shape[t.shape.length - 1] ?? 1;
/** A single matrix: rank 2, or rank 3 with a batch of one. */
const unbatched = (t: TensorInfo) => t.shape.length === 2 || (t.shape.length === 3 && t.shape[0] === 1);
/** The permutation that transposes the last two axes. */
const lastTwoSwapped = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

/**
 * wasm's MatMul (XNNPACK) runs at about 27 GFLOP/s on plain operands but 1-2 GFLOP/s with transposeA or
 * transposeB, and every dense layer's backward pass asks for one of them (dW = xᵀ·dy, dx = dy·Wᵀ).
 * This wraps wasm's BatchMatMul and _FusedMatMul: a transposed operand is first transposed explicitly
 * (by the SIMD Transpose where it is enabled), then the plain kernel multiplies. The arithmetic is the same sums, so the
 * results match the cpu backend's (the kernel test checks this to a stated tolerance).
 */
export function registerWasmTransposedMatMul(): void {
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
    if (!original || wrapped.has(original.kernelFunc)) continue;
    const plain = original.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const attrs = args.attrs as MatMulAttrs;
      const transposeKernel = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
      if ((!attrs.transposeA && !attrs.transposeB) || !transposeKernel) return plain(args);
      const transpose = (x: TensorInfo) =>
        transposeKernel({ inputs: { x }, backend: args.backend, attrs: { perm: lastTwoSwapped(x.shape.length) } }) as TensorInfo;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
      const temporaries: TensorInfo[] = [];
      const temporary = (t: TensorInfo) => (temporaries.push(t), t);
      try {
        // XNNPACK repacks its right operand on every call. When that operand is the large one, the
        // product is taken transposed and transposed back, packing the small one instead: a·bᵀ with a
        // small a (a batch) and a large b (a weight, as in dx = dy·Wᵀ) as (b·aᵀ)ᵀ, and aᵀ·b with a large b
        // (dW = patchesᵀ·dy of a convolution with few input channels) as (bᵀ·a)ᵀ.
        const swap =
          kernelName === 'BatchMatMul' &&
          attrs.transposeA !== attrs.transposeB &&
          unbatched(a) &&
          unbatched(b) &&
          (attrs.transposeB ? size(a) + rows(a) * rows(b) : size(a) + cols(a) * cols(b)) < size(b);
        if (swap) {
          const inputs = attrs.transposeB ? { a: b, b: temporary(transpose(a)) } : { a: temporary(transpose(b)), b: a };
          return transpose(temporary(plain({ ...args, inputs, attrs: plainAttrs }) as TensorInfo));
        }
        const inputs = {
          ...args.inputs,
          a: attrs.transposeA ? temporary(transpose(a)) : a,
          b: attrs.transposeB ? temporary(transpose(b)) : b,
        };
        return plain({ ...args, inputs, attrs: plainAttrs });
      } finally {
        const backend = args.backend as unknown as WasmBackend;
        for (const t of temporaries) backend.disposeData(t.dataId);
      }
    };
    wrapped.add(kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
  }
}
