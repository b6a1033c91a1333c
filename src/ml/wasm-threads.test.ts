import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { selectBackend } from './backend';
import { tf, type Scalar } from './tf';
import { relativeError } from './kernels/relative-error';

describe('wasm with its thread pool under Node', () => {
  it('runs MatMul, the conv gradients and the SIMD kernels on every core, with the cpu backend’s results, on a pool of as many worker threads', async () => {
    // A backend initialises once per process, so the threaded one runs in a child, as a training worker does.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawnSync(process.execPath, ['--import', tsx, join(import.meta.dirname, 'wasm-threads.check.ts')], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.stderr).not.toMatch(/error/i);
    const wasm = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number[]> & {
      reason: string;
      simd: boolean;
      pool: number;
    };
    // The SIMD kernels bound to the threaded build's shared memory.
    expect(wasm.simd).toBe(true);
    const cores = availableParallelism();
    expect(wasm.reason).toContain(cores > 1 ? `${Math.min(cores, 8)} threads` : 'one thread');
    // Its pool holds a worker thread per thread asked for, not the eight tfjs's glue starts (capThreadPool).
    expect(wasm.pool).toBe(cores > 1 ? Math.min(cores, 8) : 0);

    await selectBackend('cpu');
    const v = tf.tidy(() => tf.variable(tf.randomNormal([37, 11], 0, 1, 'float32', 5)));
    const adam = new Adam(0.01);
    for (let i = 0; i < 3; i++) adam.minimize(() => tf.sum<Scalar>(tf.square(tf.sub(v, 1))), false, [v]);
    const cpu = tf.tidy(() => {
      const data = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
      const [a, b, x, w] = [data([96, 700], 1), data([700, 80], 2), data([8, 14, 14, 16], 3), data([3, 3, 16, 32], 4)];
      const f = (xx: ReturnType<typeof data>, ww: ReturnType<typeof data>) =>
        tf.sum(tf.square(tf.conv2d(xx as never, ww as never, 2, 'same')));
      const [dx, dw] = tf.grads(f)([x, w]);
      return {
        matMul: tf.matMul(a, b).dataSync(),
        transpose: tf.transpose(a).dataSync(),
        sum: tf.sum(a, 0).dataSync(),
        dx: dx!.dataSync(),
        dw: dw!.dataSync(),
        adam: v.dataSync(),
      };
    });
    for (const key of ['matMul', 'transpose', 'sum', 'adam', 'dx', 'dw'] as const) {
      expect(wasm[key]).toHaveLength(cpu[key].length);
      expect(relativeError(wasm[key] as number[], cpu[key]), key).toBeLessThan(1e-5);
    }
  });
});
