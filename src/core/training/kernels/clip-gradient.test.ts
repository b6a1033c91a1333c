import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { tf } from '../tf';
import { clipGradientKernel } from './clip-gradient';

// x with values inside, outside and exactly on the clip bounds, and a NaN; n = 4·k + 3 exercises the tail.
const xs = Array.from({ length: 103 }, (_, i) => (i % 7 === 0 ? 1e-7 : i % 11 === 0 ? 1 - 1e-7 : -0.2 + (i % 13) * 0.1));
xs[50] = NaN;
// The last three, past the SIMD loop: below, on, and above the bounds.
xs.splice(100, 3, -0.5, 1e-7, 2);

/** d/dx of Σ clip(x, 1e-7, 1 − 1e-7) · w, as BCE clips its predictions. */
function clipGradient(): number[] {
  const w = tf.linspace(-1, 1, xs.length);
  const grad = tf.grad((x: Tensor) => tf.sum(tf.mul(tf.clipByValue(x, 1e-7, 1 - 1e-7), w)))(tf.tensor1d(xs));
  const out = Array.from(grad.dataSync());
  tf.dispose([w, grad]);
  return out;
}

describe('the gradient of clipByValue in one kernel', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    await selectBackend('cpu');
  });

  it('gives tfjs’s own gradient (dy inside or on the bounds, 0 outside and for NaN) on cpu and on wasm', async () => {
    await selectBackend('cpu');
    const kernel = tf.getKernel(clipGradientKernel, 'cpu');
    tf.unregisterKernel(clipGradientKernel, 'cpu');
    const reference = clipGradient(); // tfjs's four-kernel gradient
    if (kernel) tf.registerKernel(kernel);
    expect(reference.filter((g) => g === 0).length).toBeGreaterThan(10);
    expect(reference[0]).not.toBe(0); // exactly on the lower bound: passes dy
    expect(reference[50]).toBe(0);

    expect(clipGradient()).toEqual(reference);
    await selectBackend('wasm');
    expect(tf.getKernel(clipGradientKernel, 'wasm')).toBeDefined();
    expect(clipGradient()).toEqual(reference);
    await selectBackend('cpu');
  });
});
