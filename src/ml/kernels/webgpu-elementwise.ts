/**
 * Elementwise programs for tfjs-backend-webgpu: one dispatch that reads its inputs at the output's index and writes
 * one value, in place of the several kernels (each a pass over the tensor, each a dispatch) that tfjs composes.
 * The fused Adam update (webgpu-adam.ts) and the fused gradients and losses below are written with it.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf, tfRequire } from '../tf';

/** What tfjs-backend-webgpu runs: its WebGPUProgram interface, as much of it as the studio's programs need. */
export interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms?: string;
  getUserCode(): string;
}

/** The backend's entry point for a program, with its uniforms' values (one scalar each, in declaration order). */
export interface WebGpuBackend {
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: TensorInfo[],
    dtype: 'float32',
    uniforms?: { type: 'float32' | 'int32'; data: number[] }[],
  ): TensorInfo;
}

interface WebGpuUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]): [number, number, number];
}

let util: WebGpuUtil | undefined;

/** tfjs-backend-webgpu's dispatch helpers. */
export const webGpuUtil = (): WebGpuUtil =>
  (util ??= (tfRequire('@tensorflow/tfjs-backend-webgpu') as { webgpu_util: WebGpuUtil }).webgpu_util);

/**
 * One elementwise program. `inputs` name the tensors (read in WGSL as get<NAME>ByOutputIndex(index)), `uniforms`
 * the float32 constants (uniforms.<name>); `code` sets `out_value` from them, in tfjs's order of operations.
 */
export interface Elementwise {
  key: string;
  inputs: readonly string[];
  uniforms?: readonly string[];
  code: string;
}

/** Runs `spec` on the webgpu backend over `inputs` (all of the output's shape), with its uniforms' values. */
export function runElementwise(
  backend: unknown,
  spec: Elementwise,
  inputs: TensorInfo[],
  values: readonly number[] = [],
): TensorInfo {
  const util = webGpuUtil();
  const shape = inputs[0]?.shape ?? [];
  const workgroupSize: [number, number, number] = [128, 1, 1];
  const dispatchLayout = util.flatDispatchLayout(shape);
  const names = spec.uniforms ?? [];
  const program: WebGpuProgram = {
    variableNames: [...spec.inputs],
    outputShape: shape,
    shaderKey: `latent_studio_${spec.key}`,
    dispatchLayout,
    dispatch: util.computeDispatch(dispatchLayout, shape, workgroupSize),
    workgroupSize,
    size: true,
    ...(names.length > 0 ? { uniforms: names.map((n) => `${n} : f32,`).join(' ') } : {}),
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${spec.inputs.map((name) => `let ${name.toLowerCase()} = get${name}ByOutputIndex(index);`).join('\n          ')}
          var out_value = 0.0;
          ${spec.code}
          setOutputAtIndex(index, out_value);
        }
      }`,
  };
  // One uniform each: the struct's scalars, 4-byte aligned one after the other.
  const uniforms = values.map((v) => ({ type: 'float32' as const, data: [Math.fround(v)] }));
  return (backend as WebGpuBackend).runWebGPUProgram(program, inputs, 'float32', uniforms);
}

/** A kernel of one elementwise program; its inputs in the order `names` gives them, its uniforms from the attrs. */
export function elementwiseKernel(
  spec: Elementwise,
  names: readonly string[],
  values: (attrs: unknown) => number[] = () => [],
): KernelFunc {
  return ({ inputs, backend, attrs }) =>
    runElementwise(
      backend,
      spec,
      names.map((n) => {
        const t = inputs[n];
        if (!t) throw new Error(`${spec.key}: no input ${n}`);
        return t;
      }),
      values(attrs),
    );
}

/** Registers `kernelFunc` under `name` on webgpu, once. */
export function registerOnWebGpu(name: string, kernelFunc: KernelFunc): void {
  if (!tf.getKernel(name, 'webgpu')) tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc });
}
