import { describe, expect, it } from 'vitest';
import { clusteringAccuracy } from '../../src/analysis/clustering';
import type { RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import type { Studio } from '../../src/core/studio';
import { findPreset } from '../../src/core/studio';
import { presetOnMnist, withTestStudio } from './helpers';
import { latestOf } from './latest';
import sharp from 'sharp';
import { classify, digitClassifier } from './classifier';
import type { ImageSplit } from '../../src/ml/dataset';
import { allIndices, pixelsOf } from '../../src/core/evaluation/encode';

/** Splits a grid PNG of 28x28 tiles with a 2-pixel gutter (see images.ts) into rows of flat tiles in [0,1]. */
async function gridTiles(png: Buffer, rows: number, cols: number): Promise<Float32Array[][]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return Array.from({ length: rows }, (_, row) =>
    Array.from({ length: cols }, (_, col) => {
      const tile = new Float32Array(784);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++)
          tile[y * 28 + x] = (data[((2 + row * 30 + y) * info.width + 2 + col * 30 + x) * info.channels] as number) / 255;
      }
      return tile;
    }),
  );
}

let studio: Studio;
withTestStudio((opened) => (studio = opened));

async function trainToEnd(config: RunConfig) {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  expect(run.error).toBeNull();
  return run;
}

function vae(overrides: {
  beta?: number;
  latentSize?: number;
  epochs?: number;
  trainSubset?: number;
  klWarmupEpochs?: number;
}): RunConfig {
  const c = defaultRunConfig('vae');
  if (c.family !== 'vae') throw new Error('unreachable');
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: overrides.trainSubset ?? 6000, testSubset: 1000 };
  c.training = { ...c.training, loss: 'bce', epochs: overrides.epochs ?? 3, batchSize: 100, learningRate: 0.001, seed: 3 };
  c.model = {
    ...c.model,
    encoder: [{ type: 'dense', units: 256, activation: 'relu' }],
    decoder: [{ type: 'dense', units: 256, activation: 'relu' }],
    latentSize: overrides.latentSize ?? 10,
    beta: overrides.beta ?? 1,
    klWarmupEpochs: overrides.klWarmupEpochs ?? 0,
  };
  return c;
}

/** The −ELBO's baseline: the Bernoulli NLL (nats per image) of the test images under the training set's mean image. */
function meanImageNll(config: RunConfig): number {
  const { train, test } = studio.datasets.open(config.dataset);
  const pixels = (split: ImageSplit) => pixelsOf(split, 784, allIndices(split.count));
  const mean = new Float64Array(784);
  const xs = pixels(train);
  xs.forEach((v, i) => (mean[i % 784]! += v / train.count));
  let nll = 0;
  pixels(test).forEach((v, i) => {
    const p = Math.min(1 - 1e-6, Math.max(1e-6, mean[i % 784]!));
    nll -= v * Math.log(p) + (1 - v) * Math.log(1 - p);
  });
  return nll / test.count;
}

describe('VAE and beta-VAE on real MNIST', () => {
  it('lowers the -ELBO epoch by epoch, with a positive KL, and reports KL per dimension', async () => {
    const run = await trainToEnd(vae({ epochs: 3 }));
    const metrics = await studio.api['runs.metrics']({ runId: run.id });
    const negElbo = metrics.filter((m) => m.split === 'test' && m.name === 'neg_elbo').map((m) => m.value);
    console.log(`VAE test -ELBO per epoch (nats/image): ${negElbo.map((v) => v.toFixed(1)).join(', ')}`);
    const baseline = meanImageNll(vae({ epochs: 3 }));
    console.log(`the mean training image's Bernoulli NLL of the test images: ${baseline.toFixed(1)} nats/image`);
    expect(negElbo).toHaveLength(3);
    expect(negElbo[1]).toBeLessThan(negElbo[0] as number);
    expect(negElbo[2]).toBeLessThan(negElbo[1] as number);
    // A bound on −log p(x) well below what the mean image gives every test image.
    expect(negElbo[2]).toBeLessThan(0.85 * baseline);
    expect(latestOf(run, 'test', 'kl')).toBeGreaterThan(1);
    // -ELBO = reconstruction + KL
    expect(latestOf(run, 'test', 'neg_elbo')).toBeCloseTo(
      latestOf(run, 'test', 'reconstruction') + latestOf(run, 'test', 'kl'),
      2,
    );
    const perDim = run.latest.filter((m) => m.split === 'test' && m.name.startsWith('kl_dim_'));
    expect(perDim).toHaveLength(10);
    expect(perDim.reduce((s, m) => s + m.value, 0)).toBeCloseTo(latestOf(run, 'test', 'kl'), 1);
    expect(latestOf(run, 'test', 'active_units')).toBeGreaterThan(0);
    const kinds = new Set((await studio.api['artifacts.list']({ runId: run.id })).map((a) => a.kind));
    expect([...kinds].sort()).toEqual(['interpolation', 'latent-traversal', 'prior-samples', 'reconstructions']);
  });

  it('ends with a lower KL at beta = 4 than at beta = 1, same seed and data', async () => {
    const one = await trainToEnd(vae({ beta: 1, epochs: 2 }));
    const four = await trainToEnd(vae({ beta: 4, epochs: 2 }));
    console.log(
      `KL at beta 1: ${latestOf(one, 'test', 'kl').toFixed(2)}, at beta 4: ${latestOf(four, 'test', 'kl').toFixed(2)} nats`,
    );
    expect(latestOf(four, 'test', 'kl')).toBeLessThan(latestOf(one, 'test', 'kl'));
  });

  it('warns of posterior collapse, with advice, when every dimension carries no information', async () => {
    const run = await trainToEnd(vae({ beta: 60, epochs: 3, trainSubset: 2000 }));
    expect(run.warnings.join(' ')).toMatch(/posterior collapse.*KL warm-up/);
    expect(latestOf(run, 'test', 'active_units')).toBe(0);
  });

  it('draws the manifold and the latent scatter for a 2-D latent', async () => {
    const run = await trainToEnd(vae({ latentSize: 2, epochs: 1, trainSubset: 2000 }));
    const artifacts = await studio.api['artifacts.list']({ runId: run.id });
    expect(artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['manifold', 'latent-scatter']));
    const scatter = artifacts.find((a) => a.kind === 'latent-scatter');
    const json = studio.artifact(scatter!.id)!.data.toString();
    const { points } = JSON.parse(json) as { points: { label: number }[] };
    expect(points).toHaveLength(1000);
    expect(new Set(points.map((p) => p.label)).size).toBe(10);
  });
});

function sparse(lambda: number): RunConfig {
  const c = defaultRunConfig('sparse-ae');
  if (c.family !== 'sparse-ae') throw new Error('unreachable');
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: 6000, testSubset: 1000 };
  c.training = { ...c.training, epochs: 3, batchSize: 64, learningRate: 0.002, seed: 5 };
  c.model = { ...c.model, lambda };
  return c;
}

describe('sparse autoencoder', () => {
  it('has more near-zero code units with lambda > 0 than with lambda = 0, and still beats the baseline', async () => {
    const plain = await trainToEnd(sparse(0));
    const sparseRun = await trainToEnd(sparse(0.05));
    const share = (r: typeof plain) => latestOf(r, 'test', 'code_zero_share');
    console.log(`near-zero code share: lambda 0 ${share(plain).toFixed(3)}, lambda 0.05 ${share(sparseRun).toFixed(3)}`);
    expect(share(sparseRun)).toBeGreaterThan(share(plain) + 0.1);
    console.log(
      `sparse AE test MSE ${latestOf(sparseRun, 'test', 'mse').toFixed(4)} vs baseline ${latestOf(sparseRun, 'test', 'baseline_mse').toFixed(4)}`,
    );
    expect(latestOf(sparseRun, 'test', 'mse')).toBeLessThan(0.8 * latestOf(sparseRun, 'test', 'baseline_mse'));
    const kinds = (await studio.api['artifacts.list']({ runId: sparseRun.id })).map((a) => a.kind);
    expect(kinds).toEqual(expect.arrayContaining(['code-histogram', 'first-layer-features']));
  });
});

describe('denoising autoencoder', () => {
  // Strong enough that the corruption is visible: masking hides ink only where there is ink.
  const levels = { gaussian: 0.5, masking: 0.5, saltPepper: 0.3 } as const;
  it.each(['gaussian', 'masking', 'saltPepper'] as const)(
    'reconstructs %s-noised test images closer to the clean ones than the noisy inputs are',
    async (noise) => {
      const c = defaultRunConfig('denoising-ae');
      if (c.family !== 'denoising-ae') throw new Error('unreachable');
      c.backend = 'wasm';
      c.dataset = { name: 'mnist', trainSubset: 6000, testSubset: 1000 };
      c.training = { ...c.training, epochs: 3, batchSize: 64, learningRate: 0.002, seed: 9 };
      c.model = { ...c.model, noise, noiseLevel: levels[noise] };
      const run = await trainToEnd(c);
      const noisy = latestOf(run, 'test', 'noisy_mse');
      const denoised = latestOf(run, 'test', 'denoised_mse');
      console.log(`${noise} ${levels[noise]}: noisy MSE ${noisy.toFixed(4)}, denoised MSE ${denoised.toFixed(4)}`);
      expect(denoised).toBeLessThan(noisy);
      expect(denoised).toBeLessThan(0.8 * latestOf(run, 'test', 'baseline_mse'));
    },
  );
});

describe('conditional VAE', () => {
  it('draws samples of class c that a digit classifier reads as c far more often than chance', async () => {
    const c = defaultRunConfig('cvae');
    if (c.family !== 'cvae') throw new Error('unreachable');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', trainSubset: 10000, testSubset: 1000 };
    c.training = { ...c.training, epochs: 3, learningRate: 0.001, seed: 4 };
    const run = await trainToEnd(c);
    const grid = (await studio.api['artifacts.list']({ runId: run.id })).filter((a) => a.kind === 'class-samples').at(-1);
    expect(grid).toBeDefined();
    const png = studio.artifact(grid!.id)!.data;
    // 10 rows (classes) x 10 samples.
    const tiles = new Float32Array(100 * 784);
    (await gridTiles(png, 10, 10)).flat().forEach((t, i) => tiles.set(t, i * 784));
    const { model, testAccuracy } = await digitClassifier();
    const predicted = classify(model, tiles, 100);
    const hits = predicted.filter((p, i) => p === Math.floor(i / 10)).length;
    console.log(
      `classifier test accuracy ${(100 * testAccuracy).toFixed(1)} %; CVAE samples read as their class: ${hits} / 100 (chance: 10)`,
    );
    expect(testAccuracy).toBeGreaterThan(0.9);
    expect(hits).toBeGreaterThan(50);
    // Its traversal says which label it decodes with.
    const traversal = (await studio.api['artifacts.list']({ runId: run.id })).filter((a) => a.kind === 'latent-traversal').at(-1);
    expect(traversal?.caption).toMatch(/decoded with its own label$/);
  });
});

describe('VQ-VAE', () => {
  it('uses more codes as it trains: perplexity above 1, higher after the last epoch than the first, reconstructions below the baseline', async () => {
    const c = defaultRunConfig('vq-vae');
    if (c.family !== 'vq-vae') throw new Error('unreachable');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', trainSubset: 4000, testSubset: 1000 };
    c.training = { ...c.training, epochs: 4, batchSize: 64, learningRate: 0.002, seed: 6 };
    const run = await trainToEnd(c);
    const metrics = await studio.api['runs.metrics']({ runId: run.id });
    const perplexity = metrics.filter((m) => m.split === 'test' && m.name === 'perplexity').map((m) => m.value);
    console.log(
      `VQ-VAE test perplexity per epoch: ${perplexity.map((p) => p.toFixed(1)).join(', ')} (of ${c.model.codebookSize} codes)`,
    );
    expect(perplexity[0]).toBeGreaterThan(1);
    expect(perplexity.at(-1)).toBeGreaterThan(perplexity[0] as number);
    console.log(
      `VQ-VAE test MSE ${latestOf(run, 'test', 'mse').toFixed(4)} vs baseline ${latestOf(run, 'test', 'baseline_mse').toFixed(4)}`,
    );
    expect(latestOf(run, 'test', 'mse')).toBeLessThan(0.75 * latestOf(run, 'test', 'baseline_mse'));
    expect((await studio.api['artifacts.list']({ runId: run.id })).map((a) => a.kind)).toContain('code-usage');
  });

  it('starts its codebook on the encoder’s outputs: its first epoch on 2,000 images never blows up, and three end well below the mean image', async () => {
    const config = presetOnMnist('vq-vae-mlp', { trainSubset: 2000, testSubset: 1000, epochs: 3, batchSize: 64, seed: 1 });
    const run = await trainToEnd(config);
    const stepsPerEpoch = Math.ceil(2000 / 64);
    const firstEpoch = (await studio.api['runs.metrics']({ runId: run.id }))
      .filter((m) => m.split === 'train' && m.name === 'batch_loss' && m.step <= stepsPerEpoch)
      .map((m) => m.value);
    const [mse, baseline] = [latestOf(run, 'test', 'mse'), latestOf(run, 'test', 'baseline_mse')];
    console.log(
      `VQ-VAE (k-means start) batch loss over epoch 1: first ${firstEpoch[0]?.toFixed(3)}, highest ${Math.max(...firstEpoch).toFixed(3)}; test MSE ${mse.toFixed(4)} vs baseline ${baseline.toFixed(4)}`,
    );
    expect(firstEpoch.length).toBeGreaterThan(25);
    // From ±1/K (codebookInit: 'uniform') the loss climbed 0.37 → 22 in this epoch, and three ended at 0.97 of the baseline.
    expect(Math.max(...firstEpoch)).toBeLessThan(2 * (firstEpoch[0] as number));
    expect(mse).toBeLessThan(0.87 * baseline);
  });
});

describe('deepfake set-up', () => {
  it('refuses a data set without two identities, naming dataset.classes', async () => {
    const c = defaultRunConfig('deepfake');
    const { dispatch } = await import('../../src/core/dispatch');
    const r = await dispatch(studio.api, 'runs.start', { config: { ...c, dataset: { name: 'mnist' } } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.issues?.map((i) => i.path)).toContain('dataset.classes');
  });

  it("swaps identities: A decoded by B's decoder is read as B by a digit classifier, and B as A", async () => {
    const c = defaultRunConfig('deepfake');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', classes: [3, 8], trainSubset: 6000, testSubset: 1000 };
    c.training = { ...c.training, epochs: 2, batchSize: 64, learningRate: 0.002, seed: 8 };
    const run = await trainToEnd(c);
    console.log(
      `deepfake test MSE ${latestOf(run, 'test', 'mse').toFixed(4)} vs baseline ${latestOf(run, 'test', 'baseline_mse').toFixed(4)}`,
    );
    expect(latestOf(run, 'test', 'mse')).toBeLessThan(0.7 * latestOf(run, 'test', 'baseline_mse'));
    const artifacts = await studio.api['artifacts.list']({ runId: run.id });
    const { model } = await digitClassifier();
    for (const [kind, from, to] of [
      ['swap-a', 3, 8],
      ['swap-b', 8, 3],
    ] as const) {
      const art = artifacts.filter((a) => a.kind === kind).at(-1);
      expect(art, kind).toBeDefined();
      const rows = await gridTiles(studio.artifact(art!.id)!.data, 3, 10);
      const read = (tiles: Float32Array[]) =>
        classify(model, Float32Array.from(tiles.flatMap((t) => Array.from(t))), tiles.length);
      const original = read(rows[0] ?? []);
      const swapped = read(rows[2] ?? []);
      const asTarget = swapped.filter((d) => d === to).length;
      const asSource = swapped.filter((d) => d === from).length;
      console.log(
        `${kind}: originals read as ${from}: ${original.filter((d) => d === from).length}/10; swapped read as ${to}: ${asTarget}/10, as ${from}: ${asSource}/10`,
      );
      expect(asTarget).toBeGreaterThan(asSource);
      expect(asTarget).toBeGreaterThanOrEqual(5);
    }
  });
});

describe('stacked autoencoder', () => {
  it('pretrains greedily, fine-tunes, and reports both classifier accuracies on 10 labels per class', async () => {
    const c = defaultRunConfig('stacked-ae');
    if (c.family !== 'stacked-ae') throw new Error('unreachable');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', trainSubset: 10000, testSubset: 1000 };
    c.training = { ...c.training, epochs: 1, batchSize: 64, learningRate: 0.002, seed: 1 };
    const run = await trainToEnd(c);
    const metrics = await studio.api['runs.metrics']({ runId: run.id });
    // 2 layers x 3 pretraining epochs + 1 fine-tuning epoch
    expect(metrics.filter((m) => m.split === 'test' && m.name === 'loss').map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const pretrained = latestOf(run, 'test', 'accuracy_pretrained');
    const scratch = latestOf(run, 'test', 'accuracy_scratch');
    console.log(
      `10 labels per class: accuracy with pretraining ${(100 * pretrained).toFixed(1)} %, from scratch ${(100 * scratch).toFixed(1)} %`,
    );
    expect(latestOf(run, 'test', 'labelled_images')).toBe(100);
    expect(scratch).toBeGreaterThan(0.3);
    expect(pretrained).toBeGreaterThan(scratch);
    console.log(
      `stacked AE test MSE ${latestOf(run, 'test', 'mse').toFixed(4)} vs baseline ${latestOf(run, 'test', 'baseline_mse').toFixed(4)}`,
    );
    expect(latestOf(run, 'test', 'mse')).toBeLessThan(0.8 * latestOf(run, 'test', 'baseline_mse'));
  });
});

describe('deep clustering', () => {
  it('places the centres after pretraining, then reports cluster ACC beside the AE + k-means it started from', async () => {
    const c = defaultRunConfig('deep-clustering');
    if (c.family !== 'deep-clustering') throw new Error('unreachable');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', trainSubset: 2000, testSubset: 500 };
    c.training = { ...c.training, epochs: 1, batchSize: 32, learningRate: 0.002, seed: 1 };
    c.model = { ...c.model, pretrainEpochs: 1, updateInterval: 10 };
    const run = await trainToEnd(c);
    const metrics = await studio.api['runs.metrics']({ runId: run.id });
    const epochsOf = (name: string) => metrics.filter((m) => m.split === 'test' && m.name === name).map((m) => m.epoch);
    // 1 pretraining epoch + 1 clustering epoch; the clusters exist from the phase change on.
    expect(epochsOf('loss')).toEqual([1, 2]);
    for (const name of ['cluster_acc', 'cluster_nmi', 'pretrain_kmeans_acc', 'clustering'])
      expect(epochsOf(name), name).toEqual([2]);
    const acc = latestOf(run, 'test', 'cluster_acc');
    console.log(
      `deep clustering: AE + k-means ACC ${latestOf(run, 'test', 'pretrain_kmeans_acc').toFixed(3)}, DEC ACC ${acc.toFixed(3)}`,
    );
    expect(acc).toBeGreaterThan(0.2);
    expect((await studio.api['artifacts.list']({ runId: run.id })).map((a) => a.kind)).toContain('cluster-scatter');
    // Each test image's cluster goes with its code (the projector colours by it, --latents writes it): the run's own
    // cluster ACC, recomputed from them, is the one it reported.
    const latents = await studio.api['runs.latents']({ runId: run.id });
    expect(latents.clusters).toHaveLength(latents.count);
    expect(clusteringAccuracy(latents.labels ?? [], latents.clusters ?? []).accuracy).toBeCloseTo(acc, 10);
  });
});

describe('convolutional autoencoder', () => {
  it('trains on wasm (with the registered Conv2DBackpropFilter) to well below the mean-image baseline', async () => {
    const c = defaultRunConfig('autoencoder');
    if (c.family !== 'autoencoder') throw new Error('unreachable');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', trainSubset: 4000, testSubset: 500 };
    c.training = { ...c.training, epochs: 3, batchSize: 32, learningRate: 0.003, seed: 2 };
    c.model = {
      encoder: [
        { type: 'conv', filters: 8, kernel: 3, stride: 2, activation: 'relu' },
        { type: 'conv', filters: 16, kernel: 3, stride: 2, activation: 'relu' },
      ],
      latentSize: 16,
      decoder: [
        { type: 'dense', units: 7 * 7 * 16, activation: 'relu' },
        { type: 'reshape', shape: [7, 7, 16] },
        { type: 'convTranspose', filters: 16, kernel: 3, stride: 2, activation: 'relu' },
        { type: 'upsample', factor: 2 },
        { type: 'conv', filters: 8, kernel: 3, stride: 1, activation: 'relu' },
      ],
      outputActivation: 'sigmoid',
    };
    const run = await trainToEnd(c);
    expect(run.backend).toBe('wasm');
    const mse = latestOf(run, 'test', 'mse');
    const baseline = latestOf(run, 'test', 'baseline_mse');
    console.log(`conv AE: test MSE ${mse.toFixed(4)} vs mean-image baseline ${baseline.toFixed(4)}`);
    expect(mse).toBeLessThan(0.7 * baseline);
  });
});

describe('presets', () => {
  it('every preset is a valid config', async () => {
    const families = await studio.api['families.list']({});
    for (const f of families) {
      for (const p of f.presets) {
        const config = findPreset(p.name);
        expect(config, p.name).toBeDefined();
        const { dispatch } = await import('../../src/core/dispatch');
        const r = await dispatch(studio.api, 'presets.get', { name: p.name });
        expect(r.ok, p.name).toBe(true);
        const facts = studio.datasets.facts();
        const parsed = (await import('../../src/families/run-config')).parseRunConfig(config, (name) => facts.get(name));
        expect(parsed.ok ? 'ok' : parsed.issues, p.name).toBe('ok');
      }
    }
  });
});
