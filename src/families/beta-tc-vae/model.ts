import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { splitSize } from '../../ml/mode';
import type { FamilyModel } from '../family-model';
import { buildVae, type PosteriorBatch } from '../vae/model';
import type { BetaTcVaeModel, TcEstimator } from './spec';

const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);

/** log N(z; mu, exp(logVar)) elementwise. */
const logNormal = (z: Tensor, mu: Tensor, logVar: Tensor) =>
  tf.neg(tf.add(tf.add(halfLog2Pi, tf.mul(0.5, logVar)), tf.mul(0.5, tf.div(tf.square(tf.sub(z, mu)), tf.exp(logVar)))));

/**
 * log W for minibatch stratified sampling (Chen et al. 2018, appendix C.2), M + 1 = batch: row i weighs the batch's
 * images as estimates of q(z_i) = (1/N) Σ_n q(z_i|x_n). Its own image x_i is one of the N exactly (1/N); the other
 * N − 1 are stood for by the other M images, M − 1 of them with weight 1/M and one, x_{i+1} (cyclically), with the
 * stratum's remainder (N − M)/(N·M). Each row sums to 1. This follows rtqichen/beta-tcvae's
 * `_log_importance_weight_matrix` with the diagonals of its pull request #1: the original's strided indexing does
 * not reach the diagonal.
 */
export function mssLogWeights(batch: number, trainCount: number): Tensor {
  const n = trainCount;
  const m = batch - 1;
  // A batch of one image knows only its own, at 1/N (as MWS weighs it then).
  if (m < 1) return tf.fill([batch, batch], -Math.log(n));
  const w = new Float32Array(batch * batch).fill(1 / m);
  for (let i = 0; i < batch; i++) {
    w[i * batch + i] = 1 / n;
    w[i * batch + ((i + 1) % batch)] = (n - m) / (n * m);
  }
  return tf.log(tf.tensor2d(w, [batch, batch]));
}

/**
 * The ELBO's KL split three ways (Chen et al. 2018, §4.1 and appendix C), for a batch of M samples z_i ~ q(z|x_i)
 * from a training set of N images:
 *   MI = E[log q(z|x) − log q(z)], TC = E[log q(z) − Σ_d log q(z_d)], dwKL = E[Σ_d log q(z_d) − log p(z)],
 * with log q(z_i) estimated from the batch, and the same per dimension for log q(z_id):
 * - 'mws', minibatch weighted sampling (the paper's §4.1, and its code's default): logsumexp_j log q(z_i|x_j) − log(N·M).
 *   Every image weighs 1/(N·M), its own too: the weights sum to 1/N, not 1. So each log q estimate runs low, by about
 *   log M where the own image dominates (narrow posteriors, the joint) and by about log N where the batch's images
 *   weigh alike (a broad marginal): the TC can read d·log N − log M nats high (tc.test.ts). The gradients are those
 *   of the batch average, the constant aside, and MI + TC + dwKL is still the KL.
 * - 'mss', minibatch stratified sampling (appendix C.2): logsumexp_j (log W_ij + log q(z_i|x_j)), W as above, which
 *   reads near the full-data value.
 */
export function tcDecomposition(
  b: Pick<PosteriorBatch, 'mu' | 'logVar' | 'z'>,
  trainCount: number,
  estimator: TcEstimator = 'mws',
): Record<'mi' | 'tc' | 'dwkl', Scalar> {
  const m = b.z.shape[0] ?? 1;
  // [i, j, d]: log q(z_i,d | x_j).
  const pairs = logNormal(tf.expandDims(b.z, 1), tf.expandDims(b.mu, 0), tf.expandDims(b.logVar, 0));
  let logQz: Tensor;
  let logQzProduct: Tensor;
  if (estimator === 'mss') {
    const logW = mssLogWeights(m, trainCount);
    logQz = tf.logSumExp(tf.add(logW, tf.sum(pairs, 2)), 1);
    logQzProduct = tf.sum(tf.logSumExp(tf.add(tf.expandDims(logW, 2), pairs), 1), 1);
  } else {
    const logNm = Math.log(trainCount * m);
    logQz = tf.sub(tf.logSumExp(tf.sum(pairs, 2), 1), logNm);
    logQzProduct = tf.sum(tf.sub(tf.logSumExp(pairs, 1), logNm), 1);
  }
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
    // Evaluation and export rebuild without the training split: the estimators then take the training set's size.
    const n = ctx.trainCount ?? 60000;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, () => ({
      regulariser(batch) {
        // A batch of a split being evaluated (the epoch's test metrics) is drawn from that split: its own N.
        const parts = tcDecomposition(batch, splitSize() ?? n, m.estimator ?? 'mws');
        const total = tf.addN([tf.mul(m.alpha, parts.mi), tf.mul(m.beta, parts.tc), tf.mul(m.gamma, parts.dwkl)]) as Scalar;
        return { total, parts };
      },
    }));
  },
};
