import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';

const kernelName = 'ResizeNearestNeighborGrad';

/**
 * For each output index along one axis, the input index it reads: the same arithmetic, in the same
 * order, as tfjs-backend-cpu's forward ResizeNearestNeighbor (src/kernels/ResizeNearestNeighbor.ts).
 */
function sourceIndices(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const effectiveIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effectiveOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effectiveIn / effectiveOut;
  const source = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    source[o] = halfPixelCenters ? Math.max(0, nearest) : nearest;
  }
  return source;
}

// tfjs-backend-cpu 4.22 src/kernels/ResizeNearestNeighborGrad.ts: dy's offset takes images' batch stride; no halfPixelCenters.
/**
 * The gradient of ResizeNearestNeighbor for cpu: the adjoint of the forward kernel's index mapping,
 * each dy element added to the input pixel it was read from (any sizes, batch, channels, both flags),
 * summed in float64 and rounded once to float32.
 */
export const resizeNearestGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  if (images.dtype === 'complex64' || dy.dtype === 'complex64')
    throw new Error('resizeNearestNeighborGrad does not support complex64 tensors');
  const { alignCorners = false, halfPixelCenters = false } = (attrs ?? {}) as NamedAttrMap & {
    alignCorners?: boolean;
    halfPixelCenters?: boolean;
  };
  const cpu = backend as unknown as {
    readSync(dataId: object): ArrayLike<number>;
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  };
  const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const rows = sourceIndices(inH, outH, alignCorners, halfPixelCenters);
  const cols = sourceIndices(inW, outW, alignCorners, halfPixelCenters);
  const dys = cpu.readSync(dy.dataId);
  const sums = new Float64Array(batch * inH * inW * depth);
  let from = 0;
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < outH; r++) {
      const row = (b * inH + (rows[r] as number)) * inW;
      for (let c = 0; c < outW; c++) {
        const to = (row + (cols[c] as number)) * depth;
        for (let d = 0; d < depth; d++, from++) sums[to + d] = (sums[to + d] as number) + (dys[from] as number);
      }
    }
  return cpu.makeTensorInfo(images.shape, 'float32', Float32Array.from(sums));
};

/** Replaces tfjs-backend-cpu's ResizeNearestNeighborGrad (the gradient of upsampling layers) by ours. */
export function registerCpuResizeNearestGradient(): void {
  const current = tf.getKernel(kernelName, 'cpu');
  if (current?.kernelFunc === resizeNearestGradient) return;
  if (current) tf.unregisterKernel(kernelName, 'cpu');
  tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc: resizeNearestGradient });
}
