/**
 * Run in a child process by wasm-threads.test.ts: wasm with its thread pool (a backend initialises once
 * per process), then the kernels training leans on. Prints one JSON line: the backend's reason and results.
 */
import { Adam } from './adam';
import { selectBackend } from './backend';
import { wasmSimd } from './kernels/simd-module';
import { tf, type Scalar } from './tf';
import { wasmPoolWorkers } from './wasm-threads';

const info = await selectBackend('wasm', [], { threads: true });
const data = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const results = tf.tidy(() => {
  const a = data([96, 700], 1);
  const b = data([700, 80], 2);
  const x = data([8, 14, 14, 16], 3);
  const w = data([3, 3, 16, 32], 4);
  const f = (xx: ReturnType<typeof data>, ww: ReturnType<typeof data>) =>
    tf.sum(tf.square(tf.conv2d(xx as never, ww as never, 2, 'same')));
  const [dx, dw] = tf.grads(f)([x, w]);
  return {
    matMul: Array.from(tf.matMul(a, b).dataSync()),
    transpose: Array.from(tf.transpose(a).dataSync()),
    sum: Array.from(tf.sum(a, 0).dataSync()),
    dx: Array.from(dx!.dataSync()),
    dw: Array.from(dw!.dataSync()),
  };
});
// Three Adam steps through the SIMD kernel, as a training worker takes them.
const v = tf.tidy(() => tf.variable(data([37, 11], 5)));
const adam = new Adam(0.01);
for (let i = 0; i < 3; i++) adam.minimize(() => tf.sum<Scalar>(tf.square(tf.sub(v, 1))), false, [v]);
Object.assign(results, { adam: Array.from(v.dataSync()) });
// Exit once the (large) line is out: the pool's worker threads would keep the process alive.
process.stdout.write(
  `${JSON.stringify({ reason: info.reason, simd: wasmSimd() !== null, pool: wasmPoolWorkers(), ...results })}\n`,
  () => process.exit(0),
);
