import { mmd } from '../../ml/mmd';
import { gaussian } from '../../ml/ops';
import { tf, type Scalar } from '../../ml/tf';
import type { FamilyModel } from '../family-model';
import { buildVae } from '../vae/model';
import type { WaeMmdModel } from './spec';

export const waeMmdFamily: FamilyModel<WaeMmdModel> = {
  build: (ctx) => {
    const m = ctx.model;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, (vae) => ({
      regulariser({ z, kl }) {
        const prior = gaussian(z.shape, 0, 1, vae.nextSeed());
        const distance = mmd(z, prior, m.kernel);
        const total =
          m.variant === 'wae'
            ? tf.mul<Scalar>(m.lambda, distance)
            : tf.add<Scalar>(tf.mul(1 - m.alpha, kl), tf.mul(m.alpha + m.lambda - 1, distance));
        return { total, parts: { mmd: distance } };
      },
    }));
  },
};
