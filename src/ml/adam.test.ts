import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Adam, fusedAdamKernel } from './adam';
import { selectBackend } from './backend';
import { relativeError } from './kernels/relative-error';
import { tf, type Scalar } from './tf';

/**
 * Five steps of an optimizer on two variables (a matrix whose size is not a multiple of 4, and a vector)
 * under a loss with a different gradient each step; returns the variables' final values.
 */
function trainFiveSteps(makeOptimizer: () => ReturnType<typeof tf.train.adam> | Adam): number[] {
  const w = tf.tidy(() => tf.variable(tf.randomNormal([33, 7], 0, 1, 'float32', 1)));
  const b = tf.tidy(() => tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2)));
  const opt = makeOptimizer();
  for (let step = 0; step < 5; step++) {
    const x = tf.randomNormal([16, 33], 0, 1, 'float32', 10 + step);
    opt.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), 1))), false, [w, b]);
    x.dispose();
  }
  const out = [...w.dataSync(), ...b.dataSync()];
  opt.dispose();
  tf.dispose([w, b]);
  return out;
}

describe('Adam with one fused kernel per variable', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    await selectBackend('wasm');
  });
  afterEach(async () => {
    await selectBackend('cpu');
  });

  it('gives tfjs’s AdamOptimizer’s results, bit for bit, on cpu', async () => {
    await selectBackend('cpu');
    expect(tf.getKernel(fusedAdamKernel, 'cpu')).toBeDefined();
    const reference = trainFiveSteps(() => tf.train.adam(0.01));
    const fused = trainFiveSteps(() => new Adam(0.01));
    expect(fused).toHaveLength(33 * 7 + 7);
    expect(fused).toEqual(reference);
  });

  it('runs its SIMD kernel on wasm with the cpu results', async () => {
    await selectBackend('cpu');
    const cpu = trainFiveSteps(() => new Adam(0.01));
    await selectBackend('wasm');
    expect(tf.getKernel(fusedAdamKernel, 'wasm')).toBeDefined();
    const wasm = trainFiveSteps(() => new Adam(0.01));
    // The same float32 operations; the tolerance covers wasm's MatMul summing the gradients in another order.
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-5);
  });

  it('falls back to tfjs’s composite ops where a backend has no fused kernel', async () => {
    await selectBackend('cpu');
    const reference = trainFiveSteps(() => tf.train.adam(0.01));
    const kernel = tf.getKernel(fusedAdamKernel, 'cpu');
    tf.unregisterKernel(fusedAdamKernel, 'cpu');
    try {
      expect(trainFiveSteps(() => new Adam(0.01))).toEqual(reference);
    } finally {
      if (kernel) tf.registerKernel(kernel);
    }
  });

  it('saves and restores its moments, and a restored optimizer continues as the original', async () => {
    await selectBackend('cpu');
    const w = tf.tidy(() => tf.variable(tf.randomNormal([9, 5], 0, 1, 'float32', 4)));
    const loss = () => tf.sum<Scalar>(tf.square(tf.sub(w, 0.5)));
    const a = new Adam(0.05);
    for (let i = 0; i < 3; i++) a.minimize(loss, false, [w]);
    const saved = await a.getWeights();
    expect(saved.map((s) => s.name)).toEqual(['iter', `${w.name}/m`, `${w.name}/v`, `${w.name}/t`]);
    const b = new Adam(0.05);
    await b.setWeights(saved.map((s) => ({ name: s.name, tensor: s.tensor.clone() })));
    const start = w.clone();
    a.minimize(loss, false, [w]);
    const afterA = w.dataSync().slice();
    w.assign(start);
    b.minimize(loss, false, [w]);
    expect(Array.from(w.dataSync())).toEqual(Array.from(afterA));
    tf.dispose([a, b, w, start] as never);
  });

  it('leaves no tensors behind once disposed', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    trainFiveSteps(() => new Adam(0.01));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('restores from its own weights, and keeps each variable’s moments when a step leaves one out', async () => {
    await selectBackend('wasm');
    const w = tf.tidy(() => tf.variable(tf.randomNormal([6, 5], 0, 1, 'float32', 7)));
    const b = tf.tidy(() => tf.variable(tf.randomNormal([5], 0, 1, 'float32', 8)));
    const opt = new Adam(0.05);
    // The first step reaches only b: w has no gradient, but keeps its place and its own (zero) moments.
    opt.minimize(() => tf.sum<Scalar>(tf.square(b)), false, [w, b]);
    for (let i = 0; i < 2; i++) opt.minimize(() => tf.sum<Scalar>(tf.square(tf.add(tf.sum(w, 0), b))), false, [w, b]);
    const weights = await opt.getWeights();
    expect(weights.map((x) => [x.name, x.tensor.shape])).toEqual([
      ['iter', []],
      [`${w.name}/m`, [6, 5]],
      [`${b.name}/m`, [5]],
      [`${w.name}/v`, [6, 5]],
      [`${b.name}/v`, [5]],
      [`${w.name}/t`, []],
      [`${b.name}/t`, []],
    ]);
    expect(await Promise.all(weights.slice(5).map(async (x) => (await x.tensor.data())[0]))).toEqual([2, 3]);
    await opt.setWeights(await opt.getWeights());
    opt.minimize(() => tf.sum<Scalar>(tf.square(tf.add(tf.sum(w, 0), b))), false, [w, b]);
    expect(Array.from(w.dataSync()).every(Number.isFinite)).toBe(true);
    opt.dispose();
    tf.dispose([w, b]);
  });

  it('counts each variable’s own steps, as torch does: a variable first trained late gets a first step’s correction', async () => {
    await selectBackend('cpu');
    const early = tf.variable(tf.ones([4]));
    const late = tf.variable(tf.ones([4]));
    const rate = 0.01;
    const opt = new Adam(rate);
    const onEarly = () => tf.sum<Scalar>(tf.square(early));
    for (let i = 0; i < 100; i++) opt.minimize(onEarly, false, [early, late]);
    // Its first update: m̂ = g, v̂ = g², a step of the rate itself (a global count, with 1 − β₂¹⁰¹ ≈ 0.096, gives 0.98 of it).
    opt.minimize(() => tf.sum<Scalar>(tf.mul(late, 3)), false, [early, late]);
    const moved = Array.from(late.dataSync()).map((v) => 1 - v);
    moved.forEach((d) => expect(d).toBeCloseTo(rate, 6));
    // Saved and restored, the late variable keeps its own count (1), the early one its 100.
    const saved = await opt.getWeights();
    const restored = new Adam(rate);
    await restored.setWeights(saved.map((x) => ({ name: x.name, tensor: x.tensor.clone() })));
    const before = late.dataSync().slice();
    const [a, b] = [opt, restored].map((o) => {
      late.assign(tf.tensor(before));
      o.minimize(() => tf.sum<Scalar>(tf.mul(late, 3)), false, [early, late]);
      return Array.from(late.dataSync());
    });
    expect(a).toEqual(b);
    expect(a).not.toEqual(Array.from(before));
    opt.dispose();
    restored.dispose();
    tf.dispose([early, late]);
  });

  it('restores a checkpoint older than per-variable steps: every variable took every step, but one never moved', async () => {
    await selectBackend('cpu');
    const w = tf.variable(tf.ones([3]));
    const frozen = tf.variable(tf.ones([2]), false);
    const opt = new Adam(0.01);
    // The frozen variable has a slot (its place in each step) and zero moments.
    for (let i = 0; i < 5; i++)
      opt.minimize(() => tf.sum<Scalar>(tf.add(tf.sum(tf.square(w)), tf.sum(frozen))), false, [w, frozen]);
    const old = (await opt.getWeights()).filter((x) => !x.name.endsWith('/t'));
    expect(old.map((x) => x.name)).toContain(`${frozen.name}/m`);
    const restored = new Adam(0.01);
    await restored.setWeights(old.map((x) => ({ name: x.name, tensor: x.tensor.clone() })));
    const steps = async (name: string) =>
      (await (await restored.getWeights()).find((x) => x.name === `${name}/t`)?.tensor.data())?.[0];
    expect([await steps(w.name), await steps(frozen.name)]).toEqual([5, 0]);
    await expect(restored.setWeights([old[0]!, { name: 'x/q', tensor: tf.zeros([1]) }])).rejects.toThrow('"x/q"');
    opt.dispose();
    restored.dispose();
    tf.dispose([w, frozen]);
  });

  it('its kernels refuse operands of different sizes instead of reading past one', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await selectBackend(backend);
      const [x, g, m] = [tf.zeros([4, 3]), tf.zeros([4, 3]), tf.zeros([4, 3])];
      const v = tf.zeros([3]);
      const attrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.1, c1: 0.1, c2: 0.001 };
      expect(() => tf.engine().runKernel(fusedAdamKernel, { x, gradient: g, m, v }, attrs), backend).toThrow(/one size/);
      tf.dispose([x, g, m, v]);
    }
  });
});
