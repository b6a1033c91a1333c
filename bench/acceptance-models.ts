/** The models of the acceptance figures (bench/acceptance.ts): DEC's autoencoder on MNIST and the Shapes pair. */
import { type RunConfig } from '../src/shared/config';
import { defaultRunConfig } from '../src/families/run-config';

/**
 * DEC's autoencoder 784-500-500-2000-10 (Xie et al. 2016, section 4.3; ReLU, sigmoid output), trained end to end
 * with BCE and Adam (1e-3, batch 256) on the first `images` MNIST training images, seed 1: the deep AE whose test
 * codes the evaluation issue clusters.
 */
export function decAutoencoder(images: number, epochs: number): RunConfig {
  const dense = (units: number) => ({ type: 'dense' as const, units, activation: 'relu' as const });
  const config = defaultRunConfig('autoencoder');
  config.backend = 'wasm';
  config.dataset = { name: 'mnist', trainSubset: images };
  config.model = {
    encoder: [dense(500), dense(500), dense(2000)],
    latentSize: 10,
    decoder: [dense(2000), dense(500), dense(500)],
    outputActivation: 'sigmoid',
  };
  config.training = { ...config.training, loss: 'bce', epochs, batchSize: 256, learningRate: 0.001, seed: 1 };
  return config;
}

/** The Shapes set both models of `shapesPair` train on: 20,000 generated images, seed 1. */
export const shapesSet = { generator: 'shapes' as const, seed: 1, count: 20_000, name: 'shapes-acceptance' };

/**
 * A plain autoencoder and a β-VAE of the same MLP body 4096-256-128-10, latent size and seed, trained alike (BCE,
 * Adam 1e-3, batch 64, `epochs`) on `shapesSet`: the pair whose MIG the evaluation issue compares.
 */
export function shapesPair(beta: number, epochs: number, dataset = shapesSet.name): { ae: RunConfig; vae: RunConfig } {
  const dense = (units: number) => ({ type: 'dense' as const, units, activation: 'relu' as const });
  const body = {
    encoder: [dense(256), dense(128)],
    latentSize: 10,
    decoder: [dense(128), dense(256)],
    outputActivation: 'sigmoid',
  };
  const training = { loss: 'bce' as const, epochs, batchSize: 64, learningRate: 0.001, seed: 1 };
  const ae = defaultRunConfig('autoencoder');
  ae.backend = 'wasm';
  ae.dataset = { name: dataset };
  ae.model = body as RunConfig['model'];
  ae.training = { ...ae.training, ...training };
  const vae = defaultRunConfig('vae');
  vae.backend = 'wasm';
  vae.dataset = { name: dataset };
  vae.model = { ...(vae.model as object), ...body, beta, klWarmupEpochs: 0 } as RunConfig['model'];
  vae.training = { ...vae.training, ...training };
  return { ae, vae };
}

/** One figure of a part: what it is, its value, and what it is read against (a paper, PyTorch, a baseline). */
export interface Figure {
  name: string;
  value: string;
  against?: string;
}
export interface Section {
  title: string;
  setup: string;
  figures: Figure[];
  notes?: string[];
}
