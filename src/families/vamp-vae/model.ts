import { deriveSeed } from '../../shared/random';
import { freshVariableName, gaussian, variableFrom } from '../../ml/ops';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import type { FamilyModel, Weight } from '../family-model';
import { mixtureLogDensity } from '../vae/densities';
import { buildVae, type LatentPrior } from '../vae/model';
import type { VampVaeModel } from './spec';

export const vampVaeFamily: FamilyModel<VampVaeModel> = {
  build: (ctx) => {
    const m = ctx.model;
    const pixels = ctx.inputShape[0] * ctx.inputShape[1] * ctx.inputShape[2];
    return buildVae({ ...ctx, model: m }, false, (vae) => {
      // The pseudo-inputs as images in [0, 1]: a free variable through a hard tanh onto [0, 1], initialised near
      // 0.05 (σ 0.01), as the authors' code does (their `means` layer).
      const raw = variableFrom(
        gaussian([m.pseudoInputs, pixels], 0.05, 0.01, deriveSeed(ctx.seed, 71)),
        true,
        freshVariableName('pseudo_inputs'),
      );
      const weight: Weight = { name: 'pseudo_inputs', shape: [m.pseudoInputs, pixels], read: () => raw };
      const pseudoInputs = () => tf.clipByValue(raw, 0, 1);
      const components = () => vae.posterior(pseudoInputs());
      const logDensity = (z: Tensor) => {
        const { mu, logVar } = components();
        return mixtureLogDensity(z, mu, logVar);
      };
      const prior: LatentPrior = {
        caption: `z ~ the VampPrior (a pseudo-input of ${m.pseudoInputs} drawn, then z ~ q(z|u_k))`,
        logDensity,
        sample(n, seed) {
          const { mu, logVar } = components();
          // floor(u·K) ∈ {0, …, K − 1}, clipped for a draw of exactly 1.
          const at = tf.cast(
            tf.minimum(tf.floor(tf.mul(tf.randomUniform([n], 0, 1, 'float32', seed), m.pseudoInputs)), m.pseudoInputs - 1),
            'int32',
          );
          const eps = gaussian([n, m.latentSize], 0, 1, seed + 1);
          return tf.add(tf.gather(mu, at), tf.mul(tf.exp(tf.mul(0.5, tf.gather(logVar, at))), eps));
        },
      };
      return {
        kl: ({ z, mu, logVar }) => tf.mean<Scalar>(tf.sub(vae.logPosterior(z, mu, logVar), logDensity(z))),
        prior,
        trainableWeights: () => [weight],
        views: (reads) => {
          const shown = Math.min(m.pseudoInputs, 30);
          const rows: Float32Array[][] = [];
          for (let r = 0; r * 10 < shown; r++) {
            const inRow = Math.min(10, shown - r * 10);
            rows.push(reads.rows(tf.slice(pseudoInputs(), [r * 10, 0], [inRow, pixels]), inRow, pixels));
          }
          return [
            { kind: 'pseudo-inputs', caption: `The first ${shown} of the ${m.pseudoInputs} learned pseudo-inputs u_k`, rows },
          ];
        },
        dispose: () => raw.dispose(),
      };
    });
  },
};
