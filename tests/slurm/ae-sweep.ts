import type { BackendPreference } from '../../src/shared/config';
import type { SweepSpecInput } from '../../src/shared/sweep';

/** A grid sweep of a small MLP autoencoder on 1,000 MNIST images (the Slurm tests' runs), on `backend`. */
export function aeSweep(
  name: string,
  epochs: number,
  parameters: SweepSpecInput['parameters'],
  backend: BackendPreference = 'wasm',
): SweepSpecInput {
  return {
    name,
    method: 'grid',
    base: {
      family: 'autoencoder',
      backend,
      model: {
        encoder: [{ type: 'dense', units: 64, activation: 'relu' }],
        latentSize: 8,
        decoder: [{ type: 'dense', units: 64, activation: 'relu' }],
        outputActivation: 'sigmoid',
      },
      dataset: { name: 'mnist', trainSubset: 1000, testSubset: 300 },
      training: { loss: 'bce', batchSize: 50, epochs, learningRate: 0.002, optimizer: 'adam', seed: 1 },
    },
    parameters,
  };
}
