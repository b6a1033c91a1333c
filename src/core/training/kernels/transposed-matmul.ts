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

/**
 * wasm's MatMul (XNNPACK) runs at about 27 GFLOP/s on plain operands but 1-2 GFLOP/s with transposeA or
 * transposeB, and every dense layer's backward pass asks for one of them (dW = xᵀ·dy, dx = dy·Wᵀ).
 * This wraps wasm's BatchMatMul and _FusedMatMul: a transposed operand is first transposed explicitly by
 * wasm's own Transpose kernel, then the plain kernel multiplies. The arithmetic is the same sums, so the
 * results match the cpu backend's (the kernel test checks this to a stated tolerance).
 */
export function registerWasmTransposedMatMul(): void {
  for (const kernelName of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
    if (!original || wrapped.has(original.kernelFunc)) continue;
    const plain = original.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const attrs = args.attrs as MatMulAttrs;
      if (!attrs.transposeA && !attrs.transposeB) return plain(args);
      const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
      if (!transpose) return plain(args);
      const backend = args.backend as unknown as WasmBackend;
      const inputs = { ...args.inputs } as Record<string, TensorInfo>;
      const temporaries: TensorInfo[] = [];
      const swapLastTwo = (x: TensorInfo): TensorInfo => {
        const rank = x.shape.length;
        const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
        const t = transpose({ inputs: { x }, backend: args.backend, attrs: { perm } }) as TensorInfo;
        temporaries.push(t);
        return t;
      };
      if (attrs.transposeA) inputs['a'] = swapLastTwo(inputs['a'] as TensorInfo);
      if (attrs.transposeB) inputs['b'] = swapLastTwo(inputs['b'] as TensorInfo);
      try {
        return plain({ ...args, inputs, attrs: { ...attrs, transposeA: false, transposeB: false } });
      } finally {
        for (const t of temporaries) backend.disposeData(t.dataId);
      }
    };
    wrapped.add(kernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
  }
}
