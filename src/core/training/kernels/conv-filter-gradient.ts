import type { Tensor, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';

type Pad = 'same' | 'valid' | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/**
 * dL/dW of a 2-D convolution (NHWC, dilation 1) from ops every backend has, by im2col:
 * the k·k strided windows of the padded input are laid side by side as columns [N·OH·OW, k·k·Cin],
 * transposed explicitly (wasm's MatMul is ~10x slower with transposeA) and multiplied by dy [N·OH·OW, Cout].
 */
export function conv2dFilterGradient(
  x: Tensor4D,
  dy: Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: Rounding,
): Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, cin, cout] = filterShape;
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
    const { top, bottom, left, right } = info.padInfo;
    const [batch] = x.shape;
    const { outHeight, outWidth, strideHeight, strideWidth } = info;
    const padded =
      top || bottom || left || right
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const windows: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        windows.push(
          tf.stridedSlice(
            padded,
            [0, i, j, 0],
            [batch, i + strideHeight * (outHeight - 1) + 1, j + strideWidth * (outWidth - 1) + 1, cin],
            [1, strideHeight, strideWidth, 1],
          ),
        );
      }
    }
    const rows = batch * outHeight * outWidth;
    const columns = tf.reshape(windows.length === 1 ? (windows[0] as Tensor) : tf.concat(windows, 3), [rows, kh * kw * cin]);
    const grad = tf.matMul(tf.transpose(columns), tf.reshape(dy, [rows, cout]));
    return tf.reshape(grad, [kh, kw, cin, cout]);
  });
}

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: Rounding;
  filterShape: [number, number, number, number];
}

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

let registered = false;

/**
 * Registers Conv2DBackpropFilter for the wasm backend, which ships without it (so conv layers could not
 * train there). The kernel runs conv2dFilterGradient on wasm's own kernels and copies the result into
 * an output the backend owns. tfjs's own gradients (Conv2D, conv2dTranspose, fused conv) then just work.
 */
export function registerWasmConvFilterKernel(): void {
  if (registered || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  registered = true;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const a = attrs as unknown as FilterGradAttrs;
      const wasm = backend as unknown as WasmBackend;
      // Copies, not aliases: an input may be an intermediate the engine does not track, and a tensor
      // aliasing its data would free it on dispose.
      const xT = tf.tensor4d(wasm.typedArrayFromHeap(x), x.shape as [number, number, number, number]);
      const dyT = tf.tensor4d(wasm.typedArrayFromHeap(dy), dy.shape as [number, number, number, number]);
      const grad = conv2dFilterGradient(xT, dyT, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
      const out = wasm.makeOutput(a.filterShape, 'float32');
      wasm.typedArrayFromHeap(out).set(grad.dataSync());
      tf.dispose([xT, dyT, grad]);
      return out;
    },
  });
}
