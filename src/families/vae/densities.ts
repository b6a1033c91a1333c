import { elementLoss } from '../../ml/losses';
import { fusedGaussianKl } from '../../ml/kernels/fused-losses';
import { gaussian } from '../../ml/ops';
import { tf, type Tensor } from '../../ml/tf';
import type { BuildContext, TestMetrics } from '../family-model';
import type { VaeModel } from './spec';

/** KL(N(mu, sigma²) || N(0, I)) per dimension, closed form with log-variance (seed 000): ½(e^lv + mu² − 1 − lv). */
export function klPerDimension(mu: Tensor, logVar: Tensor): Tensor {
  // One dispatch each way on webgpu (src/ml/kernels/fused-losses.ts); tfjs's ops elsewhere.
  const fused = fusedGaussianKl(mu, logVar);
  if (fused) return fused;
  return tf.mul(0.5, tf.sub(tf.add(tf.exp(logVar), tf.square(mu)), tf.add(1, logVar)));
}

/** KL per dimension below this (nats) counts as collapsed; variance of mu below 0.01 as an inactive unit (Burda et al. 2016). */
const collapsedKl = 0.01;
const activeUnitVariance = 0.01;

/**
 * KL per latent dimension (`kl_dim_<d>`, the mean over the test split) and the number of active units (dimensions
 * whose mu varies across test images), from q(z|x) batch by batch; posterior collapse when every dimension's KL is
 * about zero, so the decoder ignores z. Under a prior that is not N(0, I) (a mixture: the VampPrior, the AAE's
 * ring) the KL does not split by dimension, so there is none per dimension, and collapse is when no unit is active
 * (q(z|x) the same whatever x).
 */
export function posteriorMetrics(
  posterior: (x: Tensor, labels?: Tensor) => { mu: Tensor; logVar: Tensor },
  standardPrior = true,
): TestMetrics {
  let klSum: Float64Array | undefined;
  let muSum: Float64Array | undefined;
  let muSq: Float64Array | undefined;
  return {
    batch(x, labels, reads) {
      const { mu: muT, logVar } = posterior(x, labels);
      const dims = muT.shape[1] ?? 0;
      const kls = (klSum ??= new Float64Array(dims));
      const sums = (muSum ??= new Float64Array(dims));
      const squares = (muSq ??= new Float64Array(dims));
      if (standardPrior)
        reads.values(tf.sum(klPerDimension(muT, logVar), 0), (kl) => {
          for (let d = 0; d < dims; d++) kls[d] = (kls[d] as number) + (kl[d] as number);
        });
      reads.values(muT, (mu) => {
        for (let i = 0; i < mu.length; i++) {
          const d = i % dims;
          sums[d] = (sums[d] as number) + (mu[i] as number);
          squares[d] = (squares[d] as number) + (mu[i] as number) ** 2;
        }
      });
    },
    result(count) {
      const metrics: Record<string, number> = {};
      if (!klSum || !muSum || !muSq) return { metrics };
      let active = 0;
      klSum.forEach((s, d) => {
        if (standardPrior) metrics[`kl_dim_${d}`] = s / count;
        const mean = (muSum?.[d] ?? 0) / count;
        if ((muSq?.[d] ?? 0) / count - mean * mean > activeUnitVariance) active++;
      });
      metrics['active_units'] = active;
      const collapsed = klSum.length > 0 && (standardPrior ? klSum.every((s) => s / count < collapsedKl) : active === 0);
      const why = standardPrior
        ? `the KL of every latent dimension is below ${collapsedKl} nats`
        : `no latent dimension's posterior mean varies across the test images (0 active units)`;
      return collapsed
        ? {
            metrics,
            warning: {
              name: 'posterior collapse',
              detail: `${why}, so the decoder ignores z. Try a KL warm-up, a lower β, or a smaller decoder.`,
            },
          }
        : { metrics };
    },
  };
}

const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

/** log N(z; mu, diag(e^logVar)) per row: −Σ_d (½ log 2π + ½ logVar_d + ½ (z_d − mu_d)² / e^logVar_d). */
export function gaussianLogDensity(z: Tensor, mu: Tensor, logVar: Tensor): Tensor {
  return tf.neg(
    tf.sum(tf.add(tf.add(halfLog2Pi, tf.mul(0.5, logVar)), tf.mul(0.5, tf.div(tf.square(tf.sub(z, mu)), tf.exp(logVar)))), -1),
  );
}

/**
 * −log p(x|z) less the training loss, per pixel, for the losses that imply a normalised likelihood: 0 for BCE,
 * ½·log π for MSE (a Gaussian with variance ½), log 2 for MAE (a Laplace of scale 1); undefined for smooth L1.
 */
export const likelihoodConstant = (loss: string): number | undefined =>
  ({ bce: 0, mse: 0.5 * Math.log(Math.PI), mae: Math.log(2) })[loss as 'bce' | 'mse' | 'mae'];

/**
 * log p(x|z) per image as the training loss implies it, so the NLL and the ELBO the run trained on agree:
 * BCE is the Bernoulli log-likelihood (MNIST's grey levels taken as targets, as the loss takes them); MSE,
 * Σ(x − x̂)², is a Gaussian with variance ½ less its constant D/2·log π; MAE a Laplace of scale 1 less D·log 2.
 * Smooth L1 has no such constant here, so it is refused.
 */
export function decoderLogLikelihood(training: BuildContext<VaeModel>['training'], pixels: number) {
  const perPixel = elementLoss(training);
  const constant = likelihoodConstant(training.loss);
  const likelihood = {
    bce: 'Bernoulli: log p(x|z) = −BCE summed over pixels (the training loss)',
    mse: 'Gaussian with variance ½: log p(x|z) = −Σ(x − x̂)² − D/2·log π (the training loss less its constant)',
    mae: 'Laplace of scale 1: log p(x|z) = −Σ|x − x̂| − D·log 2 (the training loss less its constant)',
  }[training.loss as 'bce' | 'mse' | 'mae'];
  if (constant === undefined || likelihood === undefined) {
    throw new Error(
      `training.loss: ${training.loss} implies no normalised likelihood p(x|z); the NLL needs a VAE trained with bce, mse or mae`,
    );
  }
  return {
    likelihood,
    logPx: (x: Tensor, xHat: Tensor) => tf.sub(tf.neg(tf.sum(perPixel(x, xHat), -1)), constant * pixels),
  };
}

/**
 * Burda et al. 2016, eq. 8: log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x) for z_k = mu + σ·ε_k, [samples, batch]:
 * what the evaluation's likelihood estimate and the IWAE's bound average. `decode` takes the samples × batch draws
 * flattened, row s·batch + i belonging to image i.
 */
export function importanceLogWeights(o: {
  x: Tensor;
  mu: Tensor;
  logVar: Tensor;
  samples: number;
  seed: number;
  logPx: (x: Tensor, xHat: Tensor) => Tensor;
  decode: (z: Tensor) => Tensor;
  /** log p(z) per row of z [n, k]; N(0, I) when absent. */
  logPrior?: ((z: Tensor) => Tensor) | undefined;
}): Tensor {
  const [batch, k] = o.mu.shape as [number, number];
  const eps = gaussian([o.samples, batch, k], 0, 1, o.seed);
  const z = tf.add(tf.expandDims(o.mu, 0), tf.mul(tf.expandDims(tf.exp(tf.mul(0.5, o.logVar)), 0), eps));
  const logQ = tf.neg(tf.sum(tf.add(tf.add(halfLog2Pi, tf.mul(0.5, o.logVar)), tf.mul(0.5, tf.square(eps))), -1));
  const logPz = o.logPrior
    ? tf.reshape(o.logPrior(tf.reshape(z, [o.samples * batch, k])), [o.samples, batch])
    : tf.neg(tf.sum(tf.add(halfLog2Pi, tf.mul(0.5, tf.square(z))), -1));
  const xHat = o.decode(tf.reshape(z, [o.samples * batch, k]));
  const logPxz = tf.reshape(o.logPx(tf.tile(o.x, [o.samples, 1]), xHat), [o.samples, batch]);
  return tf.sub(tf.add(logPxz, logPz), logQ);
}

/**
 * log p(z) under an equally weighted mixture of diagonal Gaussians (the VampPrior, the AAE's ring), per row of z
 * [n, d]: logsumexp_k log N(z; mu_k, σ_k²) − log K over the K components
 * (mu [K, d], logVar [K, d]); Tomczak & Welling 2018, eq. 9.
 */
export function mixtureLogDensity(z: Tensor, mu: Tensor, logVar: Tensor): Tensor {
  // Every row against every component, [n, K], by broadcasting [n, 1, d] against [1, K, d].
  const perComponent = gaussianLogDensity(tf.expandDims(z, 1), tf.expandDims(mu, 0), tf.expandDims(logVar, 0));
  return tf.sub(tf.logSumExp(perComponent, 1), Math.log(mu.shape[0] ?? 1));
}
