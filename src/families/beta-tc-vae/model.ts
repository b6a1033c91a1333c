import { tf, type Scalar, type Tensor } from '../../ml/tf';
import type { FamilyModel } from '../family-model';
import { buildVae, type PosteriorBatch } from '../vae/model';
import type { BetaTcVaeModel } from './spec';

const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

/** log N(z; mu, exp(logVar)) elementwise. */
const logNormal = (z: Tensor, mu: Tensor, logVar: Tensor) =>
  tf.neg(tf.add(tf.add(halfLog2Pi, tf.mul(0.5, logVar)), tf.mul(0.5, tf.div(tf.square(tf.sub(z, mu)), tf.exp(logVar)))));

/**
 * The ELBO's KL split three ways by minibatch weighted sampling (Chen et al. 2018, §4.1 and appendix C.1), for a
 * batch of M samples z_i ~ q(z|x_i) from a training set of N images:
 *   log q(z_i) ≈ logsumexp_j log q(z_i|x_j) − log(N·M), and the same per dimension for log q(z_id);
 *   MI = E[log q(z|x) − log q(z)], TC = E[log q(z) − Σ_d log q(z_d)], dwKL = E[Σ_d log q(z_d) − log p(z)].
 */
export function tcDecomposition(
  b: Pick<PosteriorBatch, 'mu' | 'logVar' | 'z'>,
  trainCount: number,
): Record<'mi' | 'tc' | 'dwkl', Scalar> {
  const m = b.z.shape[0] ?? 1;
  // [i, j, d]: log q(z_i,d | x_j).
  const pairs = logNormal(tf.expandDims(b.z, 1), tf.expandDims(b.mu, 0), tf.expandDims(b.logVar, 0));
  const logNm = Math.log(trainCount * m);
  const logQz = tf.sub(tf.logSumExp(tf.sum(pairs, 2), 1), logNm);
  const logQzProduct = tf.sum(tf.sub(tf.logSumExp(pairs, 1), logNm), 1);
  const logQzx = tf.sum(logNormal(b.z, b.mu, b.logVar), 1);
  const logPz = tf.sum(tf.neg(tf.add(halfLog2Pi, tf.mul(0.5, tf.square(b.z)))), 1);
  return {
    mi: tf.mean<Scalar>(tf.sub(logQzx, logQz)),
    tc: tf.mean<Scalar>(tf.sub(logQz, logQzProduct)),
    dwkl: tf.mean<Scalar>(tf.sub(logQzProduct, logPz)),
  };
}

export const betaTcVaeFamily: FamilyModel<BetaTcVaeModel> = {
  build: (ctx) => {
    const m = ctx.model;
    // Evaluation and export rebuild without the training split: MWS then weighs the batch as the training set's size.
    const n = ctx.trainCount ?? 60000;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, () => ({
      regulariser(batch) {
        const parts = tcDecomposition(batch, n);
        const total = tf.addN([tf.mul(m.alpha, parts.mi), tf.mul(m.beta, parts.tc), tf.mul(m.gamma, parts.dwkl)]) as Scalar;
        return { total, parts };
      },
    }));
  },
};
