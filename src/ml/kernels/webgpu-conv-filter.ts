/**
 * The filter gradient of a 2-D convolution (Conv2DBackpropFilter, NHWC) on webgpu, as a parallel reduction.
 *
 * tfjs-backend-webgpu 4.22 runs it with one thread per filter weight, each summing x·dy over every batch image and
 * output position in turn (its Conv2DDerFilterProgram): the 3×3, 1 → 1 output convolution of the conv VAE's decoder
 * is nine threads, each looping over batch × 28 × 28 positions, a chain a GPU runs on one core. Here each weight is
 * one workgroup whose threads share those positions and add their sums in a tree (as tfjs's own ReduceProgram
 * reduces): the same sum in another order, so equal to float32 rounding, in one dispatch.
 *
 * dW[r, c, i, o] = Σ_{b, y, x} X[b, y·sh − top + r, x·sw − left + c, i] · dY[b, y, x, o], taps outside X being 0.
 * The gradient of a transposed convolution's filter is this kernel too (tfjs calls it with dY and X swapped).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf';
import { webGpuUtil, type WebGpuBackend, type WebGpuProgram } from './webgpu-elementwise';

type Pad = 'same' | 'valid' | number;

/** The geometry the shader reads, in its uniforms' order. */
const geometryNames = ['batch', 'inH', 'inW', 'cin', 'outH', 'outW', 'cout', 'kw', 'strideH', 'strideW', 'top', 'left'];

/** Threads per weight: more where many positions share one (as tfjs's ReduceProgram sizes its workgroups). */
const threadsFor = (positions: number): number => (positions >= 4096 ? 256 : 64);

/**
 * The workgroups tfjs 4.22 launches for `n` in one dimension (its reshapeDispatch): beyond WebGPU's 65,535 a
 * dimension, a square (or a cube) of ⌈√n⌉ (⌈∛n⌉) a side, more than n, the rest idle but still numbered.
 */
function launchedWorkgroups(n: number): number {
  const most = 65_535; // maxComputeWorkgroupsPerDimension's least; a device with more pads less
  if (n <= most) return n;
  const side = Math.ceil(Math.sqrt(n));
  return side <= most ? side * side : Math.ceil(Math.cbrt(n)) ** 3;
}

/**
 * Whether the reduction can run a filter of `weights` weights: its threads are numbered in one i32 (a workgroup ×
 * threads + the thread, counting the idle workgroups of a padded launch), so a filter of more than about 2³¹ /
 * threads weights (8.4 million at 256 threads, as a 3×3×1024×1024 filter) goes to tfjs's own program.
 */
export const reductionFits = (weights: number, positions: number): boolean =>
  launchedWorkgroups(weights) * threadsFor(positions) <= 2 ** 31 - 1;

function program(outputShape: number[], positions: number): WebGpuProgram {
  const util = webGpuUtil();
  const threads = threadsFor(positions);
  const workgroupSize: [number, number, number] = [threads, 1, 1];
  const dispatchLayout = util.flatDispatchLayout(outputShape);
  return {
    variableNames: ['x', 'dy'],
    outputShape,
    shaderKey: `latent_studio_conv_filter_${threads}`,
    dispatchLayout,
    // A workgroup per weight.
    dispatch: util.computeDispatch(dispatchLayout, outputShape, [1, 1, 1]),
    workgroupSize,
    size: true,
    uniforms: geometryNames.map((n) => `${n} : i32,`).join(' '),
    getUserCode: () => `
      var<workgroup> partial : array<f32, ${threads}>;

      fn main(index : i32) {
        let weight = index / ${threads};
        var sum = 0.0;
        if (weight < uniforms.size) {
          // The weight's place in the filter [kh, kw, cin, cout].
          let o = weight % uniforms.cout;
          let i = (weight / uniforms.cout) % uniforms.cin;
          let c = (weight / (uniforms.cout * uniforms.cin)) % uniforms.kw;
          let r = weight / (uniforms.cout * uniforms.cin * uniforms.kw);
          let positions = uniforms.batch * uniforms.outH * uniforms.outW;
          for (var p = i32(localId.x); p < positions; p = p + ${threads}) {
            let ox = p % uniforms.outW;
            let oy = (p / uniforms.outW) % uniforms.outH;
            let b = p / (uniforms.outW * uniforms.outH);
            let iy = oy * uniforms.strideH - uniforms.top + r;
            let ix = ox * uniforms.strideW - uniforms.left + c;
            if (iy >= 0 && iy < uniforms.inH && ix >= 0 && ix < uniforms.inW) {
              let xAt = ((b * uniforms.inH + iy) * uniforms.inW + ix) * uniforms.cin + i;
              sum = sum + f32(x[xAt]) * f32(dy[p * uniforms.cout + o]);
            }
          }
        }
        partial[localId.x] = sum;
        workgroupBarrier();
        for (var half = ${threads / 2}u; half > 0u; half = half / 2u) {
          if (localId.x < half) {
            partial[localId.x] = partial[localId.x] + partial[localId.x + half];
          }
          workgroupBarrier();
        }
        if (localId.x == 0u && weight < uniforms.size) {
          setOutputAtIndex(weight, partial[0]);
        }
      }`,
  };
}

/** tfjs's own kernel, kept when this one replaces it. */
let tfjsKernel: KernelFunc | undefined;

interface FilterAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export const webGpuConvFilterGradient: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as FilterAttrs;
  // Channels first (tfjs-layers converts to NHWC first; a direct tf.conv2d call may not), or a filter too large for
  // the reduction's thread numbers: tfjs's own program.
  const [kh, kw, cin, cout] = a.filterShape;
  const positions = dy.shape.slice(0, 3).reduce((n, d) => n * d, 1); // batch × outH × outW (NHWC)
  if (a.dataFormat !== 'NHWC' || !reductionFits(kh * kw * cin * cout, positions)) {
    if (!tfjsKernel)
      throw new Error(`Conv2DBackpropFilter on webgpu: no kernel for a filter of ${a.filterShape.join('×')} in ${a.dataFormat}`);
    return tfjsKernel(args);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const values = [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    cin,
    info.outHeight,
    info.outWidth,
    cout,
    kw,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
  const p = program([kh, kw, cin, cout], positions);
  const uniforms = values.map((v) => ({ type: 'int32' as const, data: [v] }));
  return (backend as WebGpuBackend).runWebGPUProgram(p, [x, dy], 'float32', uniforms);
};

/**
 * Which filter gradient webgpu runs: this reduction, or tfjs's own program (kept to measure one against the other,
 * bench/throughput.ts). Called once the backend is registered.
 */
export function useWebGpuConvFilterGradient(which: 'reduction' | 'tfjs'): void {
  // Undefined until the webgpu backend has registered its kernels (the types say otherwise).
  const current = tf.getKernel('Conv2DBackpropFilter', 'webgpu')?.kernelFunc as KernelFunc | undefined;
  if (current && current !== webGpuConvFilterGradient) tfjsKernel = current;
  const wanted = which === 'reduction' ? webGpuConvFilterGradient : tfjsKernel;
  if (!wanted || wanted === current) return;
  if (current) tf.unregisterKernel('Conv2DBackpropFilter', 'webgpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'webgpu', kernelFunc: wanted });
}

/** The filter gradient webgpu runs now. */
export const webGpuConvFilterGradientInUse = (): 'reduction' | 'tfjs' =>
  tf.getKernel('Conv2DBackpropFilter', 'webgpu')?.kernelFunc === webGpuConvFilterGradient ? 'reduction' : 'tfjs';
