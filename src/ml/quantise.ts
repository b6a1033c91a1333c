import { tf, type Scalar, type Tensor } from './tf';

/**
 * The nearest of K codebook vectors (codebook [K, D]) to every row of z [n, D], by ||z||² − 2 z·e + ||e||²: the
 * indices (int32 [n]), their one-hot rows [n, K] and the chosen vectors [n, D] (van den Oord et al. 2017, eq. 1).
 */
export function nearestCode(z: Tensor, codebook: Tensor): { indices: Tensor; oneHot: Tensor; zq: Tensor } {
  const k = codebook.shape[0] ?? 1;
  const distances = tf.add(
    tf.sub(tf.sum(tf.square(z), 1, true), tf.mul(2, tf.matMul(z, codebook, false, true))),
    tf.sum(tf.square(codebook), 1),
  );
  const indices = tf.argMin(distances, 1);
  const oneHot = tf.cast(tf.oneHot(indices, k), 'float32');
  return { indices, oneHot, zq: tf.matMul(oneHot, codebook) };
}

/**
 * What a quantiser reports of the codes in a batch (one-hot rows [n, K]): the perplexity exp(H(p)) of their
 * distribution p (K when every code is equally used, 1 when one is) and the share of the K codes used at all.
 */
export function codeUsage(oneHot: Tensor): { perplexity: Scalar; usage: Scalar } {
  const p = tf.mean(oneHot, 0);
  return {
    perplexity: tf.exp(tf.neg(tf.sum<Scalar>(tf.mul(p, tf.log(tf.add(p, 1e-10)))))),
    usage: tf.mean<Scalar>(tf.cast(tf.greater(p, 0), 'float32')),
  };
}
