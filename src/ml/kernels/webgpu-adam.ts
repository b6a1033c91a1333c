/**
 * The fused Adam kernel (src/ml/adam.ts) on webgpu: three dispatches per variable (x', m', v', each one elementwise
 * pass reading what it needs) in place of tfjs's twelve composite ops. The arithmetic is tfjs's AdamOptimizer's, in
 * the same order and in float32, so a step matches the composite one to float32 rounding (GPU compilers may contract
 * a multiply and an add into one fused operation, which tfjs's separate kernels cannot).
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { runElementwise, type Elementwise } from './webgpu-elementwise';

/** The Adam constants as uniforms, in the order every program below declares them. */
const uniforms = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'c1', 'c2', 'eps', 'negLr', 'keep'] as const;
type Constants = Record<(typeof uniforms)[number], number>;

const m2 = 'm * uniforms.beta1 + g * uniforms.oneMinusBeta1';
const v2 = 'v * uniforms.beta2 + (g * g) * uniforms.oneMinusBeta2';
/**
 * m' = m·β₁ + g·(1 − β₁); v' = v·β₂ + g²·(1 − β₂); x' = ((m'/c₁) / (√(v'/c₂) + ε))·(−lr) + x·keep, tfjs's ops one by
 * one, with AdamW's decoupled decay (keep = 1 − lr·λ; 1 for Adam) in the same pass.
 */
const programs: Record<'x' | 'm' | 'v', Elementwise> = {
  m: { key: 'adam_m', inputs: ['M', 'G'], uniforms, code: `out_value = ${m2};` },
  v: { key: 'adam_v', inputs: ['V', 'G'], uniforms, code: `out_value = ${v2};` },
  x: {
    key: 'adam_x',
    inputs: ['X', 'G', 'M', 'V'],
    uniforms,
    code: `let m2 = ${m2};\nlet v2 = ${v2};\nout_value = ((m2 / uniforms.c1) / (sqrt(v2 / uniforms.c2) + uniforms.eps)) * uniforms.negLr + x * uniforms.keep;`,
  },
};

/** Builds the kernel function; `constants` turns the kernel's attributes into the float32 constants. */
export function webGpuFusedAdam(constants: (attrs: unknown) => Constants): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, gradient, m, v } = inputs as unknown as Record<'x' | 'gradient' | 'm' | 'v', TensorInfo>;
    const k = constants(attrs);
    const values = uniforms.map((n) => k[n]);
    return [
      runElementwise(backend, programs.x, [x, gradient, m, v], values),
      runElementwise(backend, programs.m, [m, gradient], values),
      runElementwise(backend, programs.v, [v, gradient], values),
    ];
  };
}
