import { meanReconstructionLoss } from '../../ml/losses';
import { createRng } from '../../shared/random';
import { Reads } from '../../ml/read';
import { gaussian } from '../../ml/ops';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { autoencoderFamily } from '../autoencoder/model';
import type { BuiltModel, FamilyModel, ImageView } from '../family-model';
import type { DenoisingAeModel } from './spec';

/** The noises as the caption names them: salt-and-pepper, not the config's saltPepper. */
const noiseNames = { gaussian: 'Gaussian', masking: 'masking', saltPepper: 'salt-and-pepper' } as const;

type Corruption = (x: Tensor, level: number, seed: number) => Tensor;

/** Input corruptions of the denoising pipeline (seed 001); the targets stay clean. */
export const corruptions: Record<DenoisingAeModel['noise'], Corruption> = {
  gaussian: (x, sigma, seed) => tf.clipByValue(tf.add(x, gaussian(x.shape, 0, sigma, seed)), 0, 1),
  masking: (x, p, seed) => tf.mul(x, tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), p), 'float32')),
  saltPepper: (x, p, seed) => {
    const r = tf.randomUniform(x.shape, 0, 1, 'float32', seed);
    const salted = tf.where(tf.greater(r, 1 - p / 2), tf.onesLike(x), x);
    return tf.where(tf.less(r, p / 2), tf.zerosLike(x), salted);
  },
};

/** A wrapper, not a flag: the plain autoencoder, fed corrupted inputs and scored against the clean ones. */
export const denoisingAeFamily: FamilyModel<DenoisingAeModel> = {
  build(ctx): BuiltModel {
    const m = ctx.model;
    const base = autoencoderFamily.build(ctx);
    const corrupt = corruptions[m.noise];
    const lossAgainstClean = meanReconstructionLoss(ctx.training);
    const trainNoise = createRng(ctx.seed ^ 0xd0a5e);
    const next = () => Math.floor(trainNoise() * 2 ** 31);
    // Every evaluation pass corrupts its images alike (its first batch with the run's seed, the next with the seed
    // after, …): each epoch's test figures are of the same noisy test set, so the curve moves with the model alone.
    let evalSeed = ctx.seed;
    return {
      ...base,
      testMetrics() {
        evalSeed = ctx.seed;
        return base.testMetrics?.();
      },
      state: () => ({ trainNoise: trainNoise.state, evalSeed }),
      restore(state) {
        trainNoise.state = Number(state['trainNoise']);
        evalSeed = Number(state['evalSeed']);
      },
      computeLoss(x, training) {
        const noisy = corrupt(x, m.noiseLevel, training ? next() : evalSeed++);
        const denoised = base.reconstruct(noisy);
        const reconstruction = lossAgainstClean(x, denoised);
        return {
          total: reconstruction,
          parts: {
            reconstruction,
            denoised_mse: tf.mean<Scalar>(tf.squaredDifference(x, denoised)),
            noisy_mse: tf.mean<Scalar>(tf.squaredDifference(x, noisy)),
          },
        };
      },
      async views({ panel }): Promise<ImageView[]> {
        const out: ImageView[] = [];
        const reads = new Reads();
        tf.tidy(() => {
          const noisy = corrupt(panel, m.noiseLevel, ctx.seed + 99);
          const n = panel.shape[0] ?? 0;
          const pixels = panel.shape[1] ?? 0;
          const split = (t: Tensor) => reads.rows(t, n, pixels);
          out.push({
            kind: 'denoising',
            caption: `Noisy inputs (${noiseNames[m.noise]} ${m.noise === 'gaussian' ? 'σ' : 'p'} = ${m.noiseLevel}), clean images, and the reconstructions from the noisy inputs`,
            rows: [split(noisy), split(panel), split(base.reconstruct(noisy))],
          });
        });
        await reads.read();
        return out;
      },
    };
  },
};
