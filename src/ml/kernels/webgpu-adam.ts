/**
 * The fused Adam kernel (src/ml/adam.ts) on webgpu: three dispatches per variable (x', m', v', each one elementwise
 * pass reading what it needs) in place of tfjs's twelve composite ops. The arithmetic is tfjs's AdamOptimizer's, in
 * the same order and in float32, so a step matches the composite one to float32 rounding (GPU compilers may contract
 * a multiply and an add into one fused operation, which tfjs's separate kernels cannot).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tfRequire } from '../tf';

/** What tfjs-backend-webgpu runs: its WebGPUProgram interface, as much of it as an elementwise program needs. */
interface ElementwiseProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  uniforms: string;
  getUserCode(): string;
}

interface WebGpuBackend {
  runWebGPUProgram(
    program: ElementwiseProgram,
    inputs: TensorInfo[],
    dtype: 'float32',
    uniforms: { type: 'float32'; data: [number] }[],
  ): TensorInfo;
}

interface WebGpuUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]): [number, number, number];
}

/** The Adam constants as uniforms, in the order every program below declares them. */
const uniformNames = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'c1', 'c2', 'eps', 'negLr'] as const;
type Constants = Record<(typeof uniformNames)[number], number>;

/**
 * The WGSL of each output, with tfjs's ops one by one: m' = m·β₁ + g·(1 − β₁); v' = v·β₂ + g²·(1 − β₂);
 * x' = ((m'/c₁) / (√(v'/c₂) + ε))·(−lr) + x.
 */
const bodies = {
  m: {
    inputs: ['M', 'G'],
    code: 'let m2 = getMByOutputIndex(index) * uniforms.beta1 + getGByOutputIndex(index) * uniforms.oneMinusBeta1;\nsetOutputAtIndex(index, m2);',
  },
  v: {
    inputs: ['V', 'G'],
    code: 'let g = getGByOutputIndex(index);\nlet v2 = getVByOutputIndex(index) * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2;\nsetOutputAtIndex(index, v2);',
  },
  x: {
    inputs: ['X', 'G', 'M', 'V'],
    code: [
      'let g = getGByOutputIndex(index);',
      'let m2 = getMByOutputIndex(index) * uniforms.beta1 + g * uniforms.oneMinusBeta1;',
      'let v2 = getVByOutputIndex(index) * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2;',
      'let step = ((m2 / uniforms.c1) / (sqrt(v2 / uniforms.c2) + uniforms.eps)) * uniforms.negLr;',
      'setOutputAtIndex(index, step + getXByOutputIndex(index));',
    ].join('\n'),
  },
} as const;

function program(util: WebGpuUtil, part: keyof typeof bodies, shape: number[]): ElementwiseProgram {
  const workgroupSize: [number, number, number] = [128, 1, 1];
  const dispatchLayout = util.flatDispatchLayout(shape);
  const { inputs, code } = bodies[part];
  return {
    variableNames: [...inputs],
    outputShape: shape,
    shaderKey: `latent_studio_adam_${part}`,
    dispatchLayout,
    dispatch: util.computeDispatch(dispatchLayout, shape, workgroupSize),
    workgroupSize,
    size: true,
    uniforms: uniformNames.map((n) => `${n} : f32,`).join(' '),
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${code}
        }
      }`,
  };
}

/** Builds the kernel function; `constants` turns the kernel's attributes into the float32 constants. */
export function webGpuFusedAdam(constants: (attrs: unknown) => Constants): KernelFunc {
  const util = (tfRequire('@tensorflow/tfjs-backend-webgpu') as { webgpu_util: WebGpuUtil }).webgpu_util;
  return ({ inputs, backend, attrs }) => {
    const { x, gradient, m, v } = inputs as unknown as Record<'x' | 'gradient' | 'm' | 'v', TensorInfo>;
    const gpu = backend as unknown as WebGpuBackend;
    const k = constants(attrs);
    // One uniform each: the struct's scalars, 4-byte aligned one after the other.
    const uniforms = uniformNames.map((n) => ({ type: 'float32' as const, data: [k[n]] as [number] }));
    const run = (part: keyof typeof bodies, ins: TensorInfo[]) =>
      gpu.runWebGPUProgram(program(util, part, x.shape), ins, 'float32', uniforms);
    return [run('x', [x, gradient, m, v]), run('m', [m, gradient]), run('v', [v, gradient])];
  };
}
