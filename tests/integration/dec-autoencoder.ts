import { defaultRunConfig, type RunConfig } from '../../src/shared/config';

/**
 * DEC's autoencoder 784-500-500-2000-10 (Xie et al. 2016, section 4.3; ReLU, sigmoid output), trained end to end
 * with BCE and Adam (1e-3, batch 256) on the first `images` MNIST training images, seed 1: the deep AE whose test
 * codes the evaluation issue clusters (shared by tests/integration/evaluation-mnist.test.ts and
 * bench/evaluation-acceptance.ts).
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
