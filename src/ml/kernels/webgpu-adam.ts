/**
 * The fused Adam kernel (src/ml/adam.ts) on webgpu: one dispatch per variable that reads x, g, m and v once and
 * writes x', m' and v', in place of tfjs's twelve composite ops. The arithmetic is tfjs's AdamOptimizer's, in the
 * same order and in float32, so a step matches the composite one to float32 rounding (GPU compilers may contract a
 * multiply and an add into one fused operation, which tfjs's separate kernels cannot).
 *
 * tfjs-backend-webgpu's programs write one output each, so the one-dispatch update is our own WGSL, recorded through
 * the backend's own `recordAndSubmit` (4.22; its bind order, uniforms, command batching and profiling timers): m' and
 * v' are bound after the inputs as writable buffers. A device with fewer than seven storage buffers a stage gets three
 * elementwise dispatches instead, x', m', v' (the first of them binds five; WebGPU's core limit is eight).
 */
import type { DataId, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { runElementwise, type Elementwise } from './webgpu-elementwise';

/** The Adam constants as uniforms, in the order every program below declares them. */
const uniforms = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'c1', 'c2', 'eps', 'negLr', 'keep'] as const;
type Constants = Record<(typeof uniforms)[number], number>;

const m2 = 'm * uniforms.beta1 + g * uniforms.oneMinusBeta1';
const v2 = 'v * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2';
/**
 * x' = ((m'/c₁) / (√(v'/c₂) + ε))·(−lr) + x·keep, with m' = m·β₁ + g·(1 − β₁) and v' = v·β₂ + g²·(1 − β₂): tfjs's ops
 * one by one, with AdamW's decoupled decay (keep = 1 − lr·λ; 1 for Adam) in the same pass.
 */
const x2 = '((m2 / uniforms.c1) / (sqrt(v2 / uniforms.c2) + uniforms.eps)) * uniforms.negLr + x * uniforms.keep';

/** The three-dispatch form, for devices with too few storage buffers a stage for the one-dispatch program. */
const programs: Record<'x' | 'm' | 'v', Elementwise> = {
  m: { key: 'adam_m', inputs: ['M', 'G'], uniforms, code: `out_value = ${m2};` },
  v: { key: 'adam_v', inputs: ['V', 'G'], uniforms, code: `out_value = ${v2};` },
  x: {
    key: 'adam_x',
    inputs: ['X', 'G', 'M', 'V'],
    uniforms,
    code: `let m2 = ${m2};\nlet v2 = ${v2};\nout_value = ${x2};`,
  },
};

/** What the one-dispatch update uses of tfjs-backend-webgpu 4.22's WebGPUBackend. */
interface Recorder {
  device: GPUDevice;
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): TensorInfo;
  uploadToGPU(dataId: DataId): void;
  /** Binds [output, ...inputs, uniforms] (its own uniforms first: NaN, ∞, each buffer's shape and strides, size). */
  recordAndSubmit(
    program: AdamProgram,
    output: TensorInfo,
    inputs: TensorInfo[],
    uniforms: { type: 'float32'; data: number[] }[],
  ): void;
}

const workgroup = 128;
/** Bindings 1 to 6 after x' (binding 0): read, then written. */
const bound = ['X', 'G', 'M', 'V', 'mOut', 'vOut'] as const;

/**
 * The program, over flat views of every buffer (each shape [n], so tfjs's uniforms for it are two i32 scalars:
 * shape, and strides, which for one dimension it writes as [1]).
 */
const shader = `
struct Uniforms {
  NAN : f32, INFINITY : f32,
  ${[...bound, 'out'].map((n) => `${n}Shape : i32, ${n}Strides : i32,`).join(' ')}
  size : i32,
  ${uniforms.map((n) => `${n} : f32,`).join(' ')}
};
@group(0) @binding(0) var<storage, read_write> xOut : array<f32>;
@group(0) @binding(1) var<storage, read> X : array<f32>;
@group(0) @binding(2) var<storage, read> G : array<f32>;
@group(0) @binding(3) var<storage, read> M : array<f32>;
@group(0) @binding(4) var<storage, read> V : array<f32>;
@group(0) @binding(5) var<storage, read_write> mOut : array<f32>;
@group(0) @binding(6) var<storage, read_write> vOut : array<f32>;
@group(0) @binding(7) var<uniform> uniforms : Uniforms;

@compute @workgroup_size(${workgroup}, 1, 1)
fn _start(@builtin(local_invocation_index) local : u32, @builtin(workgroup_id) group : vec3<u32>,
          @builtin(num_workgroups) groups : vec3<u32>) {
  let index = i32((group.z * groups.x * groups.y + group.y * groups.x + group.x) * ${workgroup}u + local);
  if (index < uniforms.size) {
    let x = X[index];
    let g = G[index];
    let m = M[index];
    let v = V[index];
    let m2 = ${m2};
    let v2 = ${v2};
    mOut[index] = m2;
    vOut[index] = v2;
    xOut[index] = ${x2};
  }
}`;

/** tfjs's recordAndSubmit reads these; the class name is what tf.profile lists. */
class AdamProgram {
  readonly variableNames = [...bound];
  readonly shaderKey = 'latent_studio_adam_xmv';
  readonly size = true;
  readonly workgroupSize: [number, number, number] = [workgroup, 1, 1];
  constructor(
    readonly outputShape: number[],
    readonly dispatch: [number, number, number],
    readonly pipeline: GPUComputePipeline,
  ) {}
}

const pipelines = new WeakMap<GPUDevice, GPUComputePipeline | null>();

let form: 'one' | 'three' = 'one';

/**
 * Which form the update takes where the device allows both: one dispatch a variable (the default), or the three
 * that a device with too few storage buffers a stage gets (for the tests, which have no such device).
 */
export function useWebGpuAdamForm(f: 'one' | 'three'): void {
  form = f;
}

/** The device's pipeline for the one-dispatch update, or null where it has too few storage buffers a stage. */
function pipelineFor(device: GPUDevice): GPUComputePipeline | null {
  if (form === 'three') return null;
  let pipeline = pipelines.get(device);
  if (pipeline === undefined) {
    pipeline =
      device.limits.maxStorageBuffersPerShaderStage >= 1 + bound.length
        ? device.createComputePipeline({
            label: 'AdamProgram',
            layout: 'auto',
            compute: { module: device.createShaderModule({ code: shader, label: 'AdamProgram' }), entryPoint: '_start' },
          })
        : null;
    pipelines.set(device, pipeline);
  }
  return pipeline;
}

/** Workgroups for n elements, folded into a square (then a cube) as tfjs folds a flat dispatch past the per-dimension limit. */
export function dispatchFor(device: Pick<GPUDevice, 'limits'>, n: number): [number, number, number] {
  const groups = Math.ceil(n / workgroup);
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= limit) return [groups, 1, 1];
  const side = Math.ceil(Math.sqrt(groups));
  if (side <= limit) return [side, side, 1];
  const cube = Math.ceil(Math.cbrt(groups));
  if (cube > limit) throw new Error(`fused Adam: a variable of ${n} elements is past the device's dispatch limit`);
  return [cube, cube, cube];
}

/** Builds the kernel function; `constants` turns the kernel's attributes into the float32 constants. */
export function webGpuFusedAdam(constants: (attrs: unknown) => Constants): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, gradient, m, v } = inputs as unknown as Record<'x' | 'gradient' | 'm' | 'v', TensorInfo>;
    const k = constants(attrs);
    const values = uniforms.map((n) => k[n]);
    const gpu = backend as unknown as Recorder;
    const pipeline = pipelineFor(gpu.device);
    if (!pipeline)
      return [
        runElementwise(backend, programs.x, [x, gradient, m, v], values),
        runElementwise(backend, programs.m, [m, gradient], values),
        runElementwise(backend, programs.v, [v, gradient], values),
      ];
    const n = x.shape.reduce((p, d) => p * d, 1);
    // Empty ones hold their (no) values, as tfjs's own programs leave an empty output.
    const outs = [x, m, v].map((t) => gpu.makeTensorInfo([...t.shape], 'float32', n === 0 ? new Float32Array(0) : undefined)) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    if (n === 0) return outs;
    const [xOut, mOut, vOut] = outs;
    const flat = (t: TensorInfo): TensorInfo => ({ dataId: t.dataId, shape: [n], dtype: 'float32' });
    const read = [x, gradient, m, v];
    for (const t of [...outs, ...read]) gpu.uploadToGPU(t.dataId);
    gpu.recordAndSubmit(
      new AdamProgram([n], dispatchFor(gpu.device, n), pipeline),
      flat(xOut),
      [...read, mOut, vOut].map(flat),
      values.map((value) => ({ type: 'float32' as const, data: [Math.fround(value)] })),
    );
    return outs;
  };
}
