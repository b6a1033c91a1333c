import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import { findPreset, type Studio } from '../../src/core/studio';
import { withTestStudio } from './helpers';
import { latestOf } from './latest';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

/** A family's default model on 3,000 MNIST images for 3 epochs, with a 784-256-10 MLP. */
function config(family: string, model: Record<string, unknown> = {}): RunConfig {
  const c = defaultRunConfig(family);
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: 3000, testSubset: 500 };
  c.training = { ...c.training, loss: 'bce', epochs: 3, batchSize: 100, learningRate: 0.001, seed: 3 };
  Object.assign(c.model, {
    encoder: [{ type: 'dense', units: 256, activation: 'relu' }],
    decoder: [{ type: 'dense', units: 256, activation: 'relu' }],
    latentSize: 10,
    ...model,
  });
  return c;
}

async function trainToEnd(c: RunConfig) {
  const { runId } = await studio.api['runs.start']({ config: c });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  expect(run.error).toBeNull();
  expect(run.status).toBe('completed');
  // It learns: its reconstructions beat the mean image, and its test loss fell.
  const metrics = await studio.api['runs.metrics']({ runId });
  const loss = metrics.filter((m) => m.split === 'test' && m.name === 'loss').map((m) => m.value);
  expect(latestOf(run, 'test', 'mse')).toBeLessThan(latestOf(run, 'test', 'baseline_mse'));
  expect(loss.at(-1)).toBeLessThan(loss[0] as number);
  return run;
}

describe('the disentangling VAEs learn on MNIST, each with its own check', () => {
  it('β-TC-VAE: β = 6 leaves a lower total correlation than β = 1 (same seed, data and epochs)', async () => {
    const [one, six] = [
      await trainToEnd(config('beta-tc-vae', { beta: 1 })),
      await trainToEnd(config('beta-tc-vae', { beta: 6 })),
    ];
    const tc = (r: typeof one) => latestOf(r, 'test', 'tc');
    console.log(
      `β-TC-VAE TC at β = 1: ${tc(one).toFixed(3)}, at β = 6: ${tc(six).toFixed(3)} nats; MI ${latestOf(six, 'test', 'mi').toFixed(2)}, dwKL ${latestOf(six, 'test', 'dwkl').toFixed(2)}, KL ${latestOf(six, 'test', 'kl').toFixed(2)}; mse ${latestOf(six, 'test', 'mse').toFixed(4)} of baseline ${latestOf(six, 'test', 'baseline_mse').toFixed(4)}`,
    );
    expect(tc(six)).toBeLessThan(tc(one));
    expect(tc(one)).toBeGreaterThan(0);
  });

  it('FactorVAE: with a large γ its discriminator cannot tell q(z) from its permutation (accuracy near 0.5)', async () => {
    const run = await trainToEnd(config('factor-vae', { gamma: 100 }));
    const free = await trainToEnd(config('factor-vae', { gamma: 0 }));
    const accuracy = latestOf(run, 'test', 'disc_accuracy');
    console.log(
      `FactorVAE discriminator accuracy at γ = 100: ${accuracy.toFixed(3)} (TC estimate ${latestOf(run, 'test', 'tc').toFixed(3)}); ` +
        `at γ = 0: ${latestOf(free, 'test', 'disc_accuracy').toFixed(3)} (TC ${latestOf(free, 'test', 'tc').toFixed(3)})`,
    );
    expect(Math.abs(accuracy - 0.5)).toBeLessThan(0.1);
    // The discriminator does learn: where nothing pushes the code to factorise, it tells the two apart better.
    expect(latestOf(free, 'test', 'disc_accuracy')).toBeGreaterThan(accuracy);
  });

  it('DIP-VAE-I: its penalty pulls the covariance of the means towards the identity', async () => {
    const run = await trainToEnd(config('dip-vae', { variant: 'i', lambdaOd: 10, lambdaD: 100 }));
    const weak = await trainToEnd(config('dip-vae', { variant: 'i', lambdaOd: 0.01, lambdaD: 0.1 }));
    const penalty = (r: typeof run, l: number) => latestOf(r, 'test', 'dip') / l;
    console.log(
      `DIP-VAE-I off-diagonal + diagonal penalty per unit λ: λ_od = 10: ${penalty(run, 10).toFixed(4)}, λ_od = 0.01: ${penalty(weak, 0.01).toFixed(4)}`,
    );
    expect(penalty(run, 10)).toBeLessThan(penalty(weak, 0.01));
  });
});

describe('IWAE learns on MNIST', () => {
  it('its K = 5 bound is tighter than the ELBO of the same model', async () => {
    const run = await trainToEnd(config('iwae', { samples: 5 }));
    const [iwae, elbo] = [latestOf(run, 'test', 'iwae'), latestOf(run, 'test', 'neg_elbo')];
    console.log(`IWAE K = 5: test −log p̂(x) ${iwae.toFixed(2)} nats against −ELBO ${elbo.toFixed(2)} of the same model`);
    expect(iwae).toBeLessThan(elbo);
  });
});

describe('WAE-MMD and the AAE match the prior', () => {
  it('WAE-MMD: λ = 10 brings the codes closer to N(0, I) than λ = 0 (the same autoencoder unregularised)', async () => {
    const [wae, free] = [
      await trainToEnd(config('wae-mmd', { variant: 'wae', lambda: 10, kernel: 'imq' })),
      await trainToEnd(config('wae-mmd', { variant: 'wae', lambda: 0, kernel: 'imq' })),
    ];
    console.log(
      `WAE-MMD test MMD to the prior: λ = 10: ${latestOf(wae, 'test', 'mmd').toFixed(4)}, λ = 0: ${latestOf(free, 'test', 'mmd').toFixed(4)}`,
    );
    expect(latestOf(wae, 'test', 'mmd')).toBeLessThan(latestOf(free, 'test', 'mmd'));
  });

  it('AAE: its codes are closer to its prior (MMD) than those of the same autoencoder without the adversary', async () => {
    const [aae, plain] = [
      await trainToEnd(config('aae', { lambda: 1, prior: 'gaussian' })),
      await trainToEnd(config('aae', { lambda: 0, prior: 'gaussian' })),
    ];
    console.log(
      `AAE test MMD to N(0, I): with the adversary ${latestOf(aae, 'test', 'mmd').toFixed(4)}, without ${latestOf(plain, 'test', 'mmd').toFixed(4)}`,
    );
    expect(latestOf(aae, 'test', 'mmd')).toBeLessThan(latestOf(plain, 'test', 'mmd'));
  });
});

describe('the VQ-VAE with EMA codebook updates', () => {
  it('learns, and keeps its codebook in use', async () => {
    const c = findPreset('vq-vae-mlp-ema');
    if (!c) throw new Error('no preset vq-vae-mlp-ema');
    c.backend = 'wasm';
    c.dataset = { name: 'mnist', trainSubset: 3000, testSubset: 500 };
    c.training = { ...c.training, epochs: 3, batchSize: 100, seed: 3 };
    const run = await trainToEnd(c);
    console.log(
      `VQ-VAE (EMA): codebook usage ${(100 * latestOf(run, 'test', 'codebook_usage')).toFixed(1)} %, perplexity ${latestOf(run, 'test', 'perplexity').toFixed(1)}, mse ${latestOf(run, 'test', 'mse').toFixed(4)}`,
    );
    expect(latestOf(run, 'test', 'codebook_usage')).toBeGreaterThan(0.5);
  });
});
