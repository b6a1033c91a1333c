import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { tf } from '../tf';
import { fusedGradientKernels } from './fused-gradients';

// Values inside, outside and exactly on the clip bounds, around 0, negative, and a NaN;
// n = 4·k + 3, so the last three run past the SIMD loop: below, on, and above the clip bounds.
const xs = Array.from({ length: 103 }, (_, i) => (i % 7 === 0 ? 1e-7 : i % 11 === 0 ? 1 - 1e-7 : -0.2 + (i % 13) * 0.1));
xs[50] = NaN;
xs[60] = 0;
xs.splice(100, 3, -0.5, 1e-7, 2);

/** d/dx of Σ op(x) · w, with w of both signs (so a zero gradient keeps dy's sign, −0 for negative dy). */
function gradientOf(op: (x: Tensor) => Tensor): number[] {
  // w from numbers, not tf.linspace: backends compute linspace differently near 0.
  const w = tf.tensor1d(xs.map((_, i) => -1 + (2 * i) / (xs.length - 1)));
  const grad = tf.grad((x: Tensor) => tf.sum(tf.mul(op(x), w)))(tf.tensor1d(xs));
  const out = Array.from(grad.dataSync());
  tf.dispose([w, grad]);
  return out;
}

const ops = {
  ClipByValue: (x: Tensor) => tf.clipByValue(x, 1e-7, 1 - 1e-7),
  Relu: (x: Tensor) => tf.relu(x),
};

describe('gradients in one kernel instead of several', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    await selectBackend('cpu');
  });

  it.each(Object.keys(ops) as (keyof typeof ops)[])(
    'the gradient of %s equals tfjs’s own, bit for bit, on cpu and on wasm',
    async (name) => {
      const kernel = fusedGradientKernels[name];
      await selectBackend('cpu');
      const registered = tf.getKernel(kernel, 'cpu');
      // The fused kernel is there to take out, so the reference below is tfjs's composite and not the kernel itself.
      expect(registered).toBeDefined();
      tf.unregisterKernel(kernel, 'cpu');
      const reference = gradientOf(ops[name]); // tfjs's composite gradient
      if (registered) tf.registerKernel(registered);
      expect(reference.filter((g) => g === 0).length).toBeGreaterThan(10);

      expect(gradientOf(ops[name])).toEqual(reference);
      await selectBackend('wasm');
      expect(tf.getKernel(kernel, 'wasm')).toBeDefined();
      expect(gradientOf(ops[name])).toEqual(reference);
      await selectBackend('cpu');
    },
  );

  it('passes dy on the clip bounds, gives 0 outside, and NaN only where relu’s input is NaN', async () => {
    await selectBackend('wasm');
    const clip = gradientOf(ops.ClipByValue);
    expect(clip[0]).not.toBe(0); // exactly on the lower bound
    expect(clip[50]).toBe(0);
    const relu = gradientOf(ops.Relu);
    expect(relu[50]).toBeNaN();
    expect(relu[60]).toBe(0); // relu'(0) = 0
    expect(Object.is(relu[100], -0) || Object.is(relu[100], 0)).toBe(true);
    await selectBackend('cpu');
  });
});
