import { tf, type Scalar, type Tensor } from '../../ml/tf';

/**
 * Soft assignment of codes to centres (Xie et al. 2016, eq. 1): a Student's t kernel with α degrees of freedom,
 * q_ij = (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2) / Σ_j' (1 + ‖z_i − μ_j'‖²/α)^(−(α+1)/2). z [n, d], centres [k, d] → [n, k].
 */
export function softAssignment(z: Tensor, centres: Tensor, alpha: number): Tensor {
  const squared = tf.sum(tf.square(tf.sub(tf.expandDims(z, 1), tf.expandDims(centres, 0))), 2);
  const kernel = tf.pow(tf.add(1, tf.div(squared, alpha)), -(alpha + 1) / 2);
  return tf.div(kernel, tf.sum(kernel, 1, true));
}

/**
 * The target distribution (Xie et al. 2016, eq. 3): p_ij = (q_ij²/f_j) / Σ_j' (q_ij'²/f_j'), with the soft cluster
 * frequencies f_j = Σ_i q_ij over the whole training set (`frequencies`, [k]); without them, over the rows of q.
 */
export function targetDistribution(q: Tensor, frequencies?: Tensor): Tensor {
  const weight = tf.div(tf.square(q), frequencies ?? tf.sum(q, 0));
  return tf.div(weight, tf.sum(weight, 1, true));
}

const eps = 1e-7;

/**
 * KL(P‖Q) = Σ_j p_ij log(p_ij / q_ij) per image (Xie et al. 2016, eq. 2), averaged over the batch, both clipped
 * to [1e-7, 1] as Keras's `kld`, which DEC's and IDEC's reference code train on.
 */
export function clusteringLoss(p: Tensor, q: Tensor): Scalar {
  const pc = tf.clipByValue(p, eps, 1);
  const qc = tf.clipByValue(q, eps, 1);
  return tf.mean(tf.sum(tf.mul(pc, tf.log(tf.div(pc, qc))), 1));
}
