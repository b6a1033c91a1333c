import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset, type Studio } from '../../src/core/studio';
import { loadMnist } from '../../src/core/datasets/catalog';
import { createOptimizer } from '../../src/core/training/trainer';
import { familyModels } from '../../src/families/models';
import { Adam, registerFusedAdam, unregisterFusedAdam } from '../../src/ml/adam';
import { selectBackend } from '../../src/ml/backend';
import { relativeError } from '../../src/ml/kernels/relative-error';
import { registerFusedGradients, unregisterFusedGradients } from '../../src/ml/kernels/fused-gradients';
import { registerFusedLosses, unregisterFusedLosses } from '../../src/ml/kernels/fused-losses';
import { useWebGpuConvFilterGradient, webGpuConvFilterGradientInUse } from '../../src/ml/kernels/webgpu-conv-filter';
import { useWebGpuAdamForm } from '../../src/ml/kernels/webgpu-adam';
import { bceFromLogits, elementLoss } from '../../src/ml/losses';
import { klPerDimension } from '../../src/families/vae/densities';
import { countDispatches } from '../../src/ml/webgpu';
import { fillBatch } from '../../src/ml/dataset';
import { tf, tfl, type LayersModel, type Tensor, type Variable } from '../../src/ml/tf';
import { defaultRunConfig } from '../../src/families/run-config';
import type { RunConfig } from '../../src/shared/config';
import type { MetricPoint, RunDetail } from '../../src/shared/api';
import { serve } from './exported-mse';
import { mnistConfig, openTestStudio, tempDir } from './helpers';
import { WorkerGate } from './worker-gate';

/**
 * WebGPU through Dawn on this machine's adapter: without a GPU, Mesa's llvmpipe through Dawn's OpenGL backend, a
 * software adapter, used only when asked for with LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1. On a machine with a GPU the
 * same tests run on it.
 */
const allow = 'LATENT_STUDIO_ALLOW_SOFTWARE_GPU';
afterAll(() => {
  delete process.env[allow];
});

/** `steps` Adam steps of a VAE preset's model on MNIST batches of 128 on `backend`; the losses, read asynchronously. */
async function losses(backend: 'webgpu' | 'wasm', preset: string, steps: number) {
  const info = await selectBackend(backend, []);
  expect(info.name, info.reason).toBe(backend);
  const ds = loadMnist({ trainSubset: 128 * steps, testSubset: 100 });
  const config = findPreset(preset);
  if (config?.family !== 'vae') throw new Error(`no vae preset ${preset}`);
  const model = familyModels.vae.build({
    model: config.model,
    training: { loss: 'bce', batchSize: 128, epochs: 1, learningRate: 1e-3, optimizer: 'adam', seed: 1 },
    inputShape: [28, 28, 1],
    seed: 1,
    classes: 10,
  });
  const opt = createOptimizer({ optimizer: 'adam', learningRate: 1e-3 });
  const vars = model.trainableWeights().map((w) => w.read() as Variable);
  const buf = new Float32Array(128 * 784);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    fillBatch(
      ds.train,
      784,
      Array.from({ length: 128 }, (_, j) => i * 128 + j),
      buf,
    );
    const loss = tf.tidy(
      () => opt.minimize(() => model.computeLoss(tf.tensor2d(buf, [128, 784]), true).total, true, vars) ?? tf.scalar(NaN),
    );
    out.push((await loss.data())[0] as number);
    loss.dispose();
  }
  model.dispose();
  opt.dispose();
  return { losses: out, info };
}

/**
 * Five Adam steps on two variables (a matrix whose size is no multiple of 4, a vector); the values, read
 * asynchronously. `keep` < 1: AdamW's decoupled decay.
 */
async function fiveAdamSteps(keep = 1): Promise<number[]> {
  const w = tf.tidy(() => tf.variable(tf.randomNormal([33, 7], 0, 1, 'float32', 1)));
  const b = tf.tidy(() => tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2)));
  const opt = new Adam(0.01);
  for (let step = 0; step < 5; step++) {
    const x = tf.randomNormal([16, 33], 0, 1, 'float32', 10 + step);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), 1))), [w, b]);
      opt.applyGradients(grads, keep);
    });
    x.dispose();
  }
  const out = [...(await w.data()), ...(await b.data())];
  opt.dispose();
  tf.dispose([w, b]);
  return out;
}

describe('WebGPU through Dawn', () => {
  it('runs Adam in one dispatch a variable instead of tfjs’s twelve or more, with tfjs’s results', async () => {
    process.env[allow] = '1';
    expect((await selectBackend('webgpu', [])).name).toBe('webgpu');
    const w = tf.tidy(() => tf.variable(tf.ones([33, 7])));
    const g = tf.onesLike(w);
    // A first step: each moment's zeros, then the update.
    const step = (keep = 1) => tf.tidy(() => new Adam(0.01).applyGradients({ [w.name]: g }, keep));
    const fusedDispatches = await countDispatches(step);
    // AdamW: its decay in the same pass as the step.
    const fusedDecayDispatches = await countDispatches(() => step(0.99));
    const fused = await fiveAdamSteps();
    const fusedDecay = await fiveAdamSteps(0.99);
    // The three-dispatch form a device with fewer storage buffers a stage gets: the same values.
    useWebGpuAdamForm('three');
    let threeDispatches: number, three: number[];
    try {
      threeDispatches = await countDispatches(step);
      three = await fiveAdamSteps(0.99);
    } finally {
      useWebGpuAdamForm('one');
    }
    unregisterFusedAdam('webgpu');
    try {
      const compositeDispatches = await countDispatches(step);
      const composite = await fiveAdamSteps();
      const compositeDecay = await fiveAdamSteps(0.99);
      console.log(`Adam on webgpu, one variable: ${fusedDispatches} dispatches fused, ${compositeDispatches} as tfjs's ops`);
      // Two zeros (the moments), then x', m' and v' in one.
      expect(fusedDispatches).toBe(3);
      expect(fusedDecayDispatches).toBe(3);
      expect(threeDispatches).toBe(5);
      expect(relativeError(three, fusedDecay)).toBeLessThan(1e-6);
      expect(compositeDispatches).toBeGreaterThanOrEqual(14);
      expect(relativeError(fused, composite)).toBeLessThan(1e-6);
      expect(relativeError(fusedDecay, compositeDecay)).toBeLessThan(1e-6);
      expect(relativeError(fusedDecay, fused)).toBeGreaterThan(1e-3);
    } finally {
      registerFusedAdam('webgpu');
      tf.dispose([w, g]);
    }
  });

  it('runs BCE (from probabilities and from logits), the Gaussian KL and the ReLU and clip gradients as one dispatch each way, with tfjs’s values', async () => {
    process.env[allow] = '1';
    expect((await selectBackend('webgpu', [])).name).toBe('webgpu');
    const x = tf.randomUniform([64, 784], 0, 1, 'float32', 3);
    const logits = tf.randomNormal([64, 784], 0, 3, 'float32', 4);
    const mu = tf.randomNormal([64, 20], 0, 1, 'float32', 5);
    const logVar = tf.randomNormal([64, 20], 0, 1, 'float32', 6);
    const bce = elementLoss({ loss: 'bce' });
    // A VAE's loss through a ReLU and a sigmoid (some pixels saturate past the clip): its value and gradients. The
    // images are tiled inside a tidy, as IWAE's are: freed before the gradient runs unless the fused op keeps them.
    // BCE from the logits too, as a decoder's sigmoid head gives them (src/ml/sigmoid-output.ts).
    const loss = (l: Tensor, m: Tensor, lv: Tensor) =>
      tf.addN([
        tf.tidy(() => tf.mean(tf.sum(bce(tf.tile(x, [2, 1]), tf.sigmoid(tf.relu(tf.tile(l, [2, 1])))), 1))),
        tf.mean(tf.sum(bceFromLogits(x, tf.mul(l, 2)), 1)),
        tf.mean(tf.sum(klPerDimension(m, lv), 1)),
      ]);
    const both = async () => {
      let out: Tensor[] = [];
      const dispatches = await countDispatches(() => {
        const { value, grads } = tf.valueAndGrads(loss)([logits, mu, logVar]);
        out = [value, ...grads];
      });
      const values = await Promise.all(out.map(async (t) => Array.from(await t.data())));
      tf.dispose(out);
      return { values, dispatches };
    };
    const fused = await both();
    unregisterFusedLosses();
    unregisterFusedGradients('webgpu');
    try {
      const composite = await both();
      console.log(
        `a VAE's loss and gradients on webgpu: ${fused.dispatches} dispatches fused, ${composite.dispatches} as tfjs's ops`,
      );
      expect(fused.dispatches).toBeLessThan(composite.dispatches - 20);
      fused.values.forEach((v, i) => expect(relativeError(v, composite.values[i]!), `output ${i}`).toBeLessThan(1e-5));
    } finally {
      registerFusedLosses();
      registerFusedGradients('webgpu');
      tf.dispose([x, logits, mu, logVar]);
    }
  });

  it("computes a convolution's filter gradient as a reduction, with the cpu backend's values, stride, padding and all", async () => {
    const cases = [
      // The conv VAE's encoder and decoder layers (a transposed convolution's filter gradient is this kernel too),
      // the 3×3, 1 → 1 output layer, and an odd geometry: uneven strides, valid padding, a 2×3 filter.
      { x: [4, 28, 28, 1], filter: [3, 3, 1, 32], strides: 2, pad: 'same' },
      { x: [3, 14, 14, 32], filter: [3, 3, 32, 64], strides: 2, pad: 'same' },
      { x: [64, 28, 28, 1], filter: [3, 3, 1, 1], strides: 1, pad: 'same' },
      { x: [2, 9, 7, 3], filter: [2, 3, 3, 5], strides: [2, 1], pad: 'valid' },
    ] as { x: number[]; filter: number[]; strides: number | [number, number]; pad: 'same' | 'valid' }[];
    type Shape4 = [number, number, number, number];
    const gradients = async (backend: 'cpu' | 'webgpu', prepare = () => undefined as void) => {
      process.env[allow] = '1';
      expect((await selectBackend(backend, [])).name).toBe(backend);
      prepare();
      return Promise.all(
        cases.map(async (c) => {
          const info = tf.backend_util.computeConv2DInfo(c.x as Shape4, c.filter as Shape4, c.strides, 1, c.pad);
          const [x, dy] = [
            tf.randomUniform(c.x, -1, 1, 'float32', 3),
            tf.randomUniform([c.x[0]!, info.outHeight, info.outWidth, c.filter[3]!], -1, 1, 'float32', 4),
          ];
          const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
          const g = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as Tensor;
          const values = Array.from(await g.data());
          tf.dispose([x, dy, g]);
          return values;
        }),
      );
    };
    const cpu = await gradients('cpu');
    let usual: 'reduction' | 'tfjs' = 'tfjs';
    try {
      // After the backend is selected (which chooses tfjs's own on a software adapter).
      const ours = await gradients('webgpu', () => {
        usual = webGpuConvFilterGradientInUse();
        useWebGpuConvFilterGradient('reduction');
      });
      expect(webGpuConvFilterGradientInUse()).toBe('reduction');
      ours.forEach((v, i) => expect(relativeError(v, cpu[i]!), JSON.stringify(cases[i])).toBeLessThan(1e-5));
    } finally {
      useWebGpuConvFilterGradient(usual); // tfjs's on a software adapter, the reduction on a GPU
    }
  });

  it('gives the same product every call where tfjs would split K over float atomics (DEC’s 2000 → 10 layer)', async () => {
    process.env[allow] = '1';
    expect((await selectBackend('webgpu', [])).name).toBe('webgpu');
    const a = tf.randomNormal([64, 2000], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2000, 10], 0, 1, 'float32', 2);
    const products = [];
    for (let i = 0; i < 4; i++) products.push(Array.from(await tf.tidy(() => tf.matMul(a, b)).data()));
    const fused = Array.from(await tf.tidy(() => tf.fused.matMul({ a, b, activation: 'relu' })).data());
    tf.dispose([a, b]);
    for (const p of products.slice(1)) expect(p).toEqual(products[0]);
    expect(fused).toEqual(products[0]!.map((v) => Math.max(v, 0)));
  });

  it('trains the studio’s VAEs as wasm does, step for step (on the software adapter where there is no GPU)', async () => {
    process.env[allow] = '1';
    for (const [preset, steps] of [
      ['vae-784-512-256-20', 12],
      ['conv-vae', 4],
    ] as const) {
      const gpu = await losses('webgpu', preset, steps);
      const ref = await losses('wasm', preset, steps);
      console.log(
        `${preset} on ${gpu.info.reason}: losses ${gpu.losses.map((l) => l.toFixed(3)).join(', ')}; wasm ${ref.losses.map((l) => l.toFixed(3)).join(', ')}`,
      );
      // The adapter is recorded, and the reason names it.
      expect(gpu.info.reason).toContain(gpu.info.adapter?.description ?? 'no adapter recorded');
      // The same curve to float32 rounding: it learns (the loss falls), and every step's loss matches wasm's.
      expect(gpu.losses.at(-1)).toBeLessThan(gpu.losses[0] as number);
      gpu.losses.forEach((l, i) =>
        expect(Math.abs(l - (ref.losses[i] as number)) / (ref.losses[i] as number)).toBeLessThan(1e-3),
      );
    }
  });
});

/** A small VAE (batch norm and dropout in it) on 640 MNIST images: 10 steps an epoch, 3 epochs, a checkpoint each. */
function vaeOn(backend: 'webgpu' | 'wasm' | 'auto'): RunConfig {
  const c = defaultRunConfig('vae');
  if (c.family !== 'vae') throw new Error('unreachable');
  c.backend = backend;
  c.dataset = { name: 'mnist', trainSubset: 640, testSubset: 200 };
  c.training = { ...c.training, loss: 'bce', epochs: 3, batchSize: 64, learningRate: 0.002, seed: 3 };
  c.model = {
    ...c.model,
    encoder: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'batchNorm' }, { type: 'dropout', rate: 0.1 }],
    decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    latentSize: 8,
  };
  return c;
}

const testLoss = (run: RunDetail) => run.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value ?? NaN;
const curveOf = (points: MetricPoint[]) =>
  points.filter((p) => p.split === 'test').sort((a, b) => a.epoch - b.epoch || a.name.localeCompare(b.name));

describe('the studio’s workers on webgpu', () => {
  let tmp: ReturnType<typeof tempDir>;
  let studio: Studio;
  let runId = 0;
  beforeAll(() => {
    process.env[allow] = '1';
    tmp = tempDir();
    studio = openTestStudio(join(tmp.dir, 'studio.db'));
  });
  afterAll(async () => {
    await studio.close();
    tmp.cleanup();
  });

  const trained = async (config: RunConfig) => {
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect(run.status, run.error ?? '').toBe('completed');
    return run;
  };

  it('a run asking for webgpu trains on it, records the adapter, and ends within 1% of wasm', async () => {
    const gpu = await trained(vaeOn('webgpu'));
    const cpu = await trained(vaeOn('wasm'));
    runId = gpu.id;
    console.log(`VAE, 3 epochs: test loss ${testLoss(gpu)} on ${gpu.backendReason}; ${testLoss(cpu)} on wasm`);
    expect(gpu.backend).toBe('webgpu');
    const adapter = gpu.environment?.backend.adapter;
    expect(adapter?.description).toBeTypeOf('string');
    expect(gpu.backendReason).toContain(adapter?.description ?? 'no adapter');
    expect(Math.abs(testLoss(gpu) - testLoss(cpu)) / testLoss(cpu)).toBeLessThan(0.01);
    // It learned: the test loss fell from the first epoch's.
    const losses = curveOf(await studio.api['runs.metrics']({ runId })).filter((p) => p.name === 'loss');
    expect(losses.at(-1)!.value).toBeLessThan(losses[0]!.value);
  });

  it('killed mid-epoch and resumed on webgpu, it ends with the uninterrupted run’s curve', async () => {
    const gate = new WorkerGate(tmp.dir);
    try {
      gate.holdAt(25);
      const { runId: killed } = await studio.api['runs.start']({ config: vaeOn('webgpu') });
      const held = await gate.held(25);
      process.kill(held.pid, 'SIGKILL');
      await studio.orchestrator.whenEnded(killed);
      gate.open();
      expect((await studio.api['runs.resume']({ runId: killed })).fromEpoch).toBe(2);
      await studio.orchestrator.whenEnded(killed);
      const run = await studio.api['runs.get']({ runId: killed });
      expect([run.status, run.backend]).toEqual(['completed', 'webgpu']);
      const resumed = curveOf(await studio.api['runs.metrics']({ runId: killed }));
      const whole = curveOf(await studio.api['runs.metrics']({ runId }));
      expect(whole.length).toBeGreaterThan(0);
      expect(resumed.map((p) => `${p.epoch}/${p.name}`)).toEqual(whole.map((p) => `${p.epoch}/${p.name}`));
      const worst = Math.max(
        ...resumed.map((p, i) => Math.abs(p.value - whole[i]!.value) / Math.max(Math.abs(whole[i]!.value), 1e-6)),
      );
      console.log(`resumed on webgpu: largest relative difference from the uninterrupted curve ${worst}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      gate.remove();
    }
  });

  it('its export loads with tf.loadLayersModel, and the explorer decodes on webgpu as wasm does', async () => {
    const { outDir } = await studio.api['runs.export']({ runId });
    await selectBackend('wasm');
    const { base, server } = await serve(outDir);
    try {
      const decoder: LayersModel = await tfl.loadLayersModel(`${base}/decoder/model.json`);
      expect(decoder.outputs[0]?.shape).toEqual([null, 784]);
      const session = (await studio.api['explorer.open']({ runId })) as { sessionId: string; latentSize: number };
      const z = [Array.from({ length: 8 }, (_, d) => (d % 3) - 1)];
      const shown = await studio.api['explorer.decode']({ sessionId: session.sessionId, z });
      const own = tf.tidy(() => (decoder.predict(tf.tensor2d(z)) as Tensor).dataSync());
      const pixels = Buffer.from(shown.pixels[0] as string, 'base64');
      const worst = Math.max(...Array.from(own, (v, i) => Math.abs(Math.round(255 * v) - (pixels[i] as number))));
      console.log(`explorer on webgpu against the export on wasm: largest pixel difference ${worst} of 255`);
      expect(worst).toBeLessThanOrEqual(1);
      await studio.api['explorer.close']({ sessionId: session.sessionId });
      decoder.dispose();
    } finally {
      server.close();
    }
  });

  it('auto never takes a software adapter, and says so', async () => {
    const run = await trained({ ...mnistConfig({ trainSubset: 300, testSubset: 100 }), backend: 'auto' });
    expect(run.backend).toBe('wasm');
    expect(run.backendReason).toMatch(/webgpu unavailable: .*software adapter/);
  });
});
