import { tf, type Scalar } from '../../ml/tf';
import type { FamilyModel } from '../family-model';
import { importanceLogWeights } from '../vae/densities';
import { buildVae } from '../vae/model';
import type { IwaeModel } from './spec';

export const iwaeFamily: FamilyModel<IwaeModel> = {
  build: (ctx) => {
    const m = ctx.model;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, (vae) => ({
      // Burda et al. 2016, eq. 8: log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x); the bound is logmeanexp_k log w_k.
      regulariser({ x, mu, logVar }) {
        const logW = importanceLogWeights({
          x,
          mu,
          logVar,
          samples: m.samples,
          seed: vae.nextSeed(),
          logPx: (a, b) => vae.logPx(a, b),
          decode: (z) => vae.decode(z),
        });
        const bound = tf.sub(tf.logSumExp(logW, 0), Math.log(m.samples));
        const iwae = tf.neg(tf.mean<Scalar>(bound));
        return { total: iwae, parts: { iwae }, whole: true };
      },
    }));
  },
};
