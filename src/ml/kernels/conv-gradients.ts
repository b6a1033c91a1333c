import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { heapOffset, requireWasmSimd, type PatchGeometry, type WasmBackendHeap } from './simd-module';

type Pad = 'same' | 'valid' | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

interface WasmBackend extends WasmBackendHeap {
  disposeData(dataId: object): void;
}

/** Where each filter tap of each output position reads the (unpadded) input. */
interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  cin: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  cout: number;
  strideH: number;
  strideW: number;
  top: number;
  left: number;
  bottom: number;
  right: number;
}

function geometry(
  xShape: Shape4,
  filterShape: Shape4,
  strides: number | [number, number],
  pad: Pad,
  rounding: Rounding,
): Geometry {
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, rounding);
  return {
    batch: xShape[0],
    inH: xShape[1],
    inW: xShape[2],
    cin: xShape[3],
    outH: info.outHeight,
    outW: info.outWidth,
    kh: filterShape[0],
    kw: filterShape[1],
    cout: filterShape[3],
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    bottom: info.padInfo.bottom,
    right: info.padInfo.right,
  };
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: Rounding;
}

function matMul(backend: TensorInfo['dataId'], a: TensorInfo, b: TensorInfo, transpose: 'a' | 'b' | null): TensorInfo {
  const kernel = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  if (!kernel) throw new Error('wasm has no BatchMatMul kernel');
  return kernel({
    inputs: { a, b },
    backend: backend,
    attrs: { transposeA: transpose === 'a', transposeB: transpose === 'b' },
  }) as TensorInfo;
}

/** The same buffer seen with another shape (the kernels reshape their inputs by reference). */
const as = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/** The geometry in the order the SIMD module's `patches` takes it. */
const patchArgs = (g: Geometry): PatchGeometry => [
  g.batch,
  g.inH,
  g.inW,
  g.cin,
  g.outH,
  g.outW,
  g.kh,
  g.kw,
  g.strideH,
  g.strideW,
  g.top,
  g.left,
];

/** Stride 1, and padding within the kernel (as 'same' and 'valid' are), so the convolution routes' padding is ≥ 0. */
const stridelessFits = (g: Geometry) =>
  g.strideH === 1 && g.strideW === 1 && Math.max(g.top, g.bottom) < g.kh && Math.max(g.left, g.right) < g.kw;

/** dW = im2col(x)ᵀ · dy: the patches, written transposed (a row per filter tap and channel), times dy. */
const filterGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as ConvAttrs & { filterShape: Shape4 };
  const wasm = backend as unknown as WasmBackend;
  const g = geometry(x.shape as Shape4, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
  if (stridelessFits(g) && g.cin === 1 && g.cout === 1) return stridelessFilterGradient(backend, x, dy, g);
  const rows = g.batch * g.outH * g.outW;
  const taps = g.kh * g.kw * g.cin;
  const simd = requireWasmSimd();
  let out: TensorInfo;
  let cols: TensorInfo;
  if (taps >= g.cout) {
    cols = wasm.makeOutput([1, taps, rows], 'float32');
    simd.patchesT(heapOffset(wasm, x), heapOffset(wasm, cols), ...patchArgs(g));
    out = matMul(backend, cols, as(dy, [1, rows, g.cout]), null);
  } else {
    // Fewer patch columns than output channels (a first layer on one channel): the patches are the
    // smaller operand, and the transposed MatMul packs them instead of dy.
    cols = wasm.makeOutput([1, rows, taps], 'float32');
    simd.patches(0, heapOffset(wasm, x), heapOffset(wasm, cols), ...patchArgs(g));
    out = matMul(backend, cols, as(dy, [1, rows, g.cout]), 'a');
  }
  wasm.disposeData(cols.dataId);
  return { ...out, shape: [...a.filterShape] };
};

/** dx = col2im(dy · Wᵀ). Also the forward pass of a transposed convolution. */
const inputGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as ConvAttrs & { inputShape: Shape4 };
  const wasm = backend as unknown as WasmBackend;
  const g = geometry(a.inputShape, filter.shape as Shape4, a.strides, a.pad, a.dimRoundingMode);
  if (stridelessFits(g)) return stridelessInputGradient(backend, dy, filter, g);
  const rows = g.batch * g.outH * g.outW;
  const taps = g.kh * g.kw * g.cin;
  const cols = matMul(backend, as(dy, [1, rows, g.cout]), as(filter, [1, taps, g.cout]), 'b');
  const dx = wasm.makeOutput([...a.inputShape], 'float32');
  requireWasmSimd().patches(1, heapOffset(wasm, dx), heapOffset(wasm, cols), ...patchArgs(g));
  wasm.disposeData(cols.dataId);
  return dx;
};

function run(kernelName: string, backend: TensorInfo['dataId'], inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm')?.kernelFunc;
  if (!kernel) throw new Error(`wasm has no ${kernelName} kernel`);
  return kernel({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

/**
 * With stride 1, dx is itself a convolution (XNNPACK's): dy correlated with the filter flipped in space
 * and with its channels swapped, padded by kernel − 1 − the forward padding on each side. It spares the
 * k·k-times larger patch matrix of col2im (the 3 × 3 output convolution of a decoder, say).
 */
function stridelessInputGradient(backend: TensorInfo['dataId'], dy: TensorInfo, filter: TensorInfo, g: Geometry): TensorInfo {
  const flipped = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const swapped = run('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
  const pad = [
    [0, 0],
    [g.kh - 1 - g.top, g.kh - 1 - g.bottom],
    [g.kw - 1 - g.left, g.kw - 1 - g.right],
    [0, 0],
  ];
  const dx = run('Conv2D', backend, { x: dy, filter: swapped }, { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 });
  const wasm = backend as unknown as WasmBackend;
  wasm.disposeData(flipped.dataId);
  wasm.disposeData(swapped.dataId);
  return dx;
}

/**
 * With stride 1 and one channel in and out, dW is a convolution too: the images as channels of one
 * image ([1, H, W, n]) correlated with dy as a filter ([outH, outW, n, 1]), padded as the forward pass.
 */
function stridelessFilterGradient(backend: TensorInfo['dataId'], x: TensorInfo, dy: TensorInfo, g: Geometry): TensorInfo {
  const xs = run('Transpose', backend, { x: as(x, [g.batch, g.inH * g.inW]) }, { perm: [1, 0] });
  const dys = run('Transpose', backend, { x: as(dy, [g.batch, g.outH * g.outW]) }, { perm: [1, 0] });
  const pad = [
    [0, 0],
    [g.top, g.bottom],
    [g.left, g.right],
    [0, 0],
  ];
  const dw = run(
    'Conv2D',
    backend,
    { x: as(xs, [1, g.inH, g.inW, g.batch]), filter: as(dys, [g.outH, g.outW, g.batch, 1]) },
    { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 },
  );
  const wasm = backend as unknown as WasmBackend;
  wasm.disposeData(xs.dataId);
  wasm.disposeData(dys.dataId);
  return { ...dw, shape: [g.kh, g.kw, 1, 1] };
}

let registered = false;

/**
 * The gradients of a 2-D convolution (NHWC, dilation 1) for wasm: im2col/col2im (the SIMD module's
 * patches) around XNNPACK's MatMul, or, with stride 1, XNNPACK's own convolution where the gradient is
 * one. wasm ships no Conv2DBackpropFilter (so conv layers could not train), and its own
 * Conv2DBackpropInput, which is also the forward pass of every transposed convolution, was several
 * times slower than this. tfjs's gradients (conv, transposed conv, fused conv) then use them.
 */
export function registerWasmConvKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of [
    ['Conv2DBackpropFilter', filterGradient],
    ['Conv2DBackpropInput', inputGradient],
  ] as const) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
