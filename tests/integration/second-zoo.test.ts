import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import type { Studio } from '../../src/core/studio';
import { presetOnMnist, withTestStudio } from './helpers';
import { latestOf } from './latest';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

/** What every run here trains on: 3,000 MNIST images for 3 epochs. */
const small = { trainSubset: 3000, testSubset: 500, epochs: 3, batchSize: 100, seed: 3 };

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

/**
 * Trains `c` to its end and checks that it learned: its test MSE below `bar` of the mean image's (after these 90
 * steps the models here reach 62–93 % of it) and its test loss below the first epoch's.
 */
async function trainToEnd(c: RunConfig, bar = 0.95) {
  const { runId } = await studio.api['runs.start']({ config: c });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  expect(run.error).toBeNull();
  expect(run.status).toBe('completed');
  const metrics = await studio.api['runs.metrics']({ runId });
  const loss = metrics.filter((m) => m.split === 'test' && m.name === 'loss').map((m) => m.value);
  expect(latestOf(run, 'test', 'mse')).toBeLessThan(bar * latestOf(run, 'test', 'baseline_mse'));
  expect(loss.at(-1)).toBeLessThan(loss[0] as number);
  return run;
}

describe('the disentangling VAEs learn on MNIST, each with its own check', () => {
  it('β-TC-VAE: β = 6 leaves a lower total correlation than β = 1 (same seed, data and epochs); MWS reads it far higher', async () => {
    const [one, six] = [
      await trainToEnd(config('beta-tc-vae', { beta: 1 })),
      await trainToEnd(config('beta-tc-vae', { beta: 6 })),
    ];
    const tc = (r: typeof one) => latestOf(r, 'test', 'tc');
    const parts = (r: typeof one) =>
      `MI ${latestOf(r, 'test', 'mi').toFixed(2)}, dwKL ${latestOf(r, 'test', 'dwkl').toFixed(2)}, KL ${latestOf(r, 'test', 'kl').toFixed(2)}`;
    console.log(
      `β-TC-VAE (MSS) TC at β = 1: ${tc(one).toFixed(3)}, at β = 6: ${tc(six).toFixed(3)} nats; ${parts(six)}; mse ${latestOf(six, 'test', 'mse').toFixed(4)} of baseline ${latestOf(six, 'test', 'baseline_mse').toFixed(4)}`,
    );
    expect(six.config.model).toMatchObject({ estimator: 'mss' });
    expect(tc(six)).toBeLessThan(tc(one));
    expect(tc(one)).toBeGreaterThan(0);
    // The paper's default estimator trains too; its weights sum to 1/N, so its TC reads far higher (tc.test.ts).
    const mws = await trainToEnd(config('beta-tc-vae', { beta: 6, estimator: 'mws' }));
    console.log(`β-TC-VAE at β = 6 with MWS: TC ${tc(mws).toFixed(3)} nats; ${parts(mws)}`);
    expect(tc(mws)).toBeGreaterThan(2 * tc(six) + 10);
    // Either way MI + TC + dwKL is the KL.
    for (const r of [six, mws]) {
      const sum = latestOf(r, 'test', 'mi') + tc(r) + latestOf(r, 'test', 'dwkl');
      expect(Math.abs(sum - latestOf(r, 'test', 'kl'))).toBeLessThan(0.01 * latestOf(r, 'test', 'kl'));
    }
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
    const run = await trainToEnd(presetOnMnist('vq-vae-mlp-ema', small));
    console.log(
      `VQ-VAE (EMA): codebook usage ${(100 * latestOf(run, 'test', 'codebook_usage')).toFixed(1)} %, perplexity ${latestOf(run, 'test', 'perplexity').toFixed(1)}, mse ${latestOf(run, 'test', 'mse').toFixed(4)}`,
    );
    expect(latestOf(run, 'test', 'codebook_usage')).toBeGreaterThan(0.5);
  });
});

describe('the VAE with a VampPrior', () => {
  it('learns, its KL taken against the mixture, and its samples come from that prior', async () => {
    const run = await trainToEnd(config('vamp-vae', { pseudoInputs: 50, klWarmupEpochs: 0 }));
    const vae = await trainToEnd(config('vae', { beta: 1, klWarmupEpochs: 0 }));
    const [vamp, plain] = [latestOf(run, 'test', 'neg_elbo'), latestOf(vae, 'test', 'neg_elbo')];
    console.log(
      `VampPrior VAE (K = 50) test −ELBO ${vamp.toFixed(2)} (KL ${latestOf(run, 'test', 'kl').toFixed(2)}), the VAE's ${plain.toFixed(2)} (KL ${latestOf(vae, 'test', 'kl').toFixed(2)})`,
    );
    // Tomczak & Welling 2018, table 2: the VampPrior's bound is below the standard prior's on MNIST.
    expect(vamp).toBeLessThan(plain);
    const samples = await studio.api['runs.sample']({ runId: run.id, n: 4, seed: 1 });
    expect(samples.source).toBe('vamp');
    expect(samples.samples).toHaveLength(4);
  });
});

describe('FSQ', () => {
  it('learns, and uses a larger share of its codebook than the VQ-VAE preset of the same code budget', async () => {
    const fsq = await trainToEnd(presetOnMnist('fsq-mlp-64', small));
    // Its loss-trained codebook learns slowly: 97 % of the mean image's error after 90 steps, beside FSQ's 62 %.
    const vq = await trainToEnd(presetOnMnist('vq-vae-mlp', small), 1);
    const figures = (r: typeof fsq) =>
      `usage ${(100 * latestOf(r, 'test', 'codebook_usage')).toFixed(1)} %, perplexity ${latestOf(r, 'test', 'perplexity').toFixed(1)}, mse ${latestOf(r, 'test', 'mse').toFixed(4)}`;
    console.log(`64 codes at 16 positions: FSQ (levels 4,4,4) ${figures(fsq)}; VQ-VAE ${figures(vq)}`);
    expect(latestOf(fsq, 'test', 'codebook_usage')).toBeGreaterThan(latestOf(vq, 'test', 'codebook_usage'));
    expect(latestOf(fsq, 'test', 'perplexity')).toBeGreaterThan(latestOf(vq, 'test', 'perplexity'));
    // Its grid of codes takes a learned prior, as the VQ-VAE's does.
    const prior = await studio.api['prior.start']({ runId: fsq.id, epochs: 1, seed: 1 });
    await studio.priors.whenEnded(prior.jobId);
    expect((await studio.api['runs.sample']({ runId: fsq.id, n: 3, seed: 1 })).samples).toHaveLength(3);
  });
});

describe('RQ-VAE', () => {
  it('learns, and each added quantiser codes more of the encoder’s output (depth 4 against depth 1)', async () => {
    const preset = (quantizers: number) => presetOnMnist('rq-vae-mlp', small, { quantizers });
    const [deep, one] = [await trainToEnd(preset(4)), await trainToEnd(preset(1))];
    const figures = (r: typeof deep) =>
      `residual ${latestOf(r, 'test', 'residual').toFixed(4)}, mse ${latestOf(r, 'test', 'mse').toFixed(4)}, usage ${(100 * latestOf(r, 'test', 'codebook_usage')).toFixed(1)} %, perplexity ${latestOf(r, 'test', 'perplexity').toFixed(1)}`;
    console.log(`RQ-VAE, a shared codebook of 64: depth 4: ${figures(deep)}; depth 1: ${figures(one)}`);
    expect(latestOf(deep, 'test', 'mse')).toBeLessThan(latestOf(one, 'test', 'mse'));
    const prior = await studio.api['prior.start']({ runId: deep.id, epochs: 1, seed: 1 });
    await studio.priors.whenEnded(prior.jobId);
    const samples = await studio.api['runs.sample']({ runId: deep.id, n: 4, seed: 1 });
    expect(samples.source).toBe('prior');
    expect(samples.samples).toHaveLength(4);
  });
});
