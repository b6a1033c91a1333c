import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';

type Pad = 'same' | 'valid' | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
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
  };
}

/**
 * im2col, transposed: cols[k][r] = x at filter tap k = (i, j, c) of output position r = (n, oy, ox),
 * 0 in the padding. Laid out [K, R] so that dW = cols · dy needs no transposed MatMul.
 */
export function im2colTransposed(x: Float32Array, g: Geometry, cols: Float32Array): void {
  const rows = g.batch * g.outH * g.outW;
  for (let i = 0; i < g.kh; i++) {
    for (let j = 0; j < g.kw; j++) {
      for (let c = 0; c < g.cin; c++) {
        const base = ((i * g.kw + j) * g.cin + c) * rows;
        let r = 0;
        for (let n = 0; n < g.batch; n++) {
          for (let oy = 0; oy < g.outH; oy++) {
            const y = oy * g.strideH + i - g.top;
            const inside = y >= 0 && y < g.inH;
            const rowBase = (n * g.inH + y) * g.inW;
            for (let ox = 0; ox < g.outW; ox++, r++) {
              const xx = ox * g.strideW + j - g.left;
              cols[base + r] = inside && xx >= 0 && xx < g.inW ? (x[(rowBase + xx) * g.cin + c] as number) : 0;
            }
          }
        }
      }
    }
  }
}

/** col2im: the inverse scatter of im2col, summing cols[r][k] (laid out [R, K]) into dx. */
export function col2imAdd(cols: Float32Array, g: Geometry, dx: Float32Array): void {
  dx.fill(0);
  const taps = g.kh * g.kw * g.cin;
  let r = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++, r++) {
        const rowOff = r * taps;
        for (let i = 0; i < g.kh; i++) {
          const y = oy * g.strideH + i - g.top;
          if (y < 0 || y >= g.inH) continue;
          for (let j = 0; j < g.kw; j++) {
            const xx = ox * g.strideW + j - g.left;
            if (xx < 0 || xx >= g.inW) continue;
            const dst = ((n * g.inH + y) * g.inW + xx) * g.cin;
            const src = rowOff + (i * g.kw + j) * g.cin;
            for (let c = 0; c < g.cin; c++) dx[dst + c] = (dx[dst + c] as number) + (cols[src + c] as number);
          }
        }
      }
    }
  }
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: Rounding;
}

function matMul(backend: TensorInfo['dataId'], a: TensorInfo, b: TensorInfo, transposeB: boolean): TensorInfo {
  const kernel = tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc;
  if (!kernel) throw new Error('wasm has no BatchMatMul kernel');
  return kernel({
    inputs: { a, b },
    backend: backend,
    attrs: { transposeA: false, transposeB },
  }) as TensorInfo;
}

/** The same buffer seen with another shape (the kernels reshape their inputs by reference). */
const as = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

/** dW = im2col(x)ᵀ · dy, with the columns written straight into a wasm buffer. */
const filterGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as ConvAttrs & { filterShape: Shape4 };
  const wasm = backend as unknown as WasmBackend;
  const g = geometry(x.shape as Shape4, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
  const rows = g.batch * g.outH * g.outW;
  const taps = g.kh * g.kw * g.cin;
  const cols = wasm.makeOutput([1, taps, rows], 'float32');
  // Views of the wasm heap are taken after the allocation (a growing heap detaches older views).
  im2colTransposed(wasm.typedArrayFromHeap(x), g, wasm.typedArrayFromHeap(cols));
  const out = matMul(backend, cols, as(dy, [1, rows, g.cout]), false);
  wasm.disposeData(cols.dataId);
  return { ...out, shape: [...a.filterShape] };
};

/** dx = col2im(dy · Wᵀ). Also the forward pass of a transposed convolution. */
const inputGradient: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as ConvAttrs & { inputShape: Shape4 };
  const wasm = backend as unknown as WasmBackend;
  const g = geometry(a.inputShape, filter.shape as Shape4, a.strides, a.pad, a.dimRoundingMode);
  const rows = g.batch * g.outH * g.outW;
  const taps = g.kh * g.kw * g.cin;
  const cols = matMul(backend, as(dy, [1, rows, g.cout]), as(filter, [1, taps, g.cout]), true);
  const dx = wasm.makeOutput([...a.inputShape], 'float32');
  col2imAdd(wasm.typedArrayFromHeap(cols), g, wasm.typedArrayFromHeap(dx));
  wasm.disposeData(cols.dataId);
  return dx;
};

let registered = false;

/**
 * The gradients of a 2-D convolution (NHWC, dilation 1) for wasm, by im2col/col2im around wasm's fast
 * plain MatMul. wasm ships no Conv2DBackpropFilter (so conv layers could not train), and its own
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
