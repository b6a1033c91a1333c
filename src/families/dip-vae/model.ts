import { tf, type Scalar, type Tensor } from '../../ml/tf';
import type { FamilyModel } from '../family-model';
import { buildVae } from '../vae/model';
import type { DipVaeModel } from './spec';

/** The batch covariance of the rows of x, [d, d]: E[xxᵀ] − E[x]E[x]ᵀ (as disentanglement_lib's compute_covariance_z_mean). */
export function covariance(x: Tensor): Tensor {
  const n = x.shape[0] ?? 1;
  const mean = tf.mean(x, 0, true);
  return tf.sub(tf.div(tf.matMul(x, x, true, false), n), tf.matMul(mean, mean, true, false));
}

/** λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)² (disentanglement_lib's regularize_diag_off_diag_dip). */
export function dipPenalty(c: Tensor, lambdaOd: number, lambdaD: number): Scalar {
  const d = c.shape[0] ?? 1;
  const diag = tf.mul(c, tf.eye(d));
  const off = tf.sub(c, diag);
  return tf.add(tf.mul(lambdaOd, tf.sum(tf.square(off))), tf.mul(lambdaD, tf.sum(tf.square(tf.sub(tf.sum(diag, 1), 1)))));
}

const vaeLatent = (mu: Tensor) => mu.shape[1] ?? 1;

export const dipVaeFamily: FamilyModel<DipVaeModel> = {
  build: (ctx) => {
    const m = ctx.model;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, () => ({
      regulariser({ mu, logVar, kl }) {
        const covMu = covariance(mu);
        // II: plus diag E[σ²(x)] (as an identity scaled row-wise: tf.diag has no gradient).
        const c = m.variant === 'i' ? covMu : tf.add(covMu, tf.mul(tf.eye(vaeLatent(mu)), tf.mean(tf.exp(logVar), 0)));
        const dip = dipPenalty(c, m.lambdaOd, m.lambdaD);
        return { total: tf.add<Scalar>(kl, dip), parts: { dip } };
      },
    }));
  },
};
