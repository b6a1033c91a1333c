import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { inTraining } from '../ml/mode';
import { tf, type LayerVariable, type Tensor, type Variable } from '../ml/tf';
import { defaultRunConfig } from './run-config';
import { familyModels } from './models';
import { familyIds, type FamilyId } from './specs';

/** A family's default run, trained with BCE on a sigmoid output. */
function bceRun(family: FamilyId) {
  const config = defaultRunConfig(family);
  return { model: { ...config.model, outputActivation: 'sigmoid' }, training: { ...config.training, loss: 'bce' as const } };
}
/** Every family with an output activation to choose. */
const withBce = familyIds.filter((f) => 'outputActivation' in defaultRunConfig(f).model);

/**
 * Each family's reconstruction loss reaches the decoder's logits (src/ml/sigmoid-output.ts): with the output head's
 * bias pushed to +40, every pixel's σ(z) is 1 in float32, and BCE from the clipped probabilities would give that bias
 * no gradient at all; from the logits it gets σ(z) − x, which is 1 − x on average.
 */
describe('BCE reaches the logits of every family’s decoder', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('covers every family', () => {
    expect(withBce).toEqual(familyIds);
  });

  it.each(withBce)('%s: a saturated output head still gets its gradient', (family) => {
    const config = bceRun(family);
    const classes = family === 'deepfake' ? 2 : 10;
    const model = familyModels[family].build({
      model: config.model as never,
      training: config.training,
      inputShape: [28, 28, 1],
      seed: 4,
      classes,
    });
    model.onStep?.(0);
    const heads = model
      .trainableWeights()
      .filter((w) => ['output/bias', 'stack_dec_0/bias'].includes((w as LayerVariable).originalName))
      .map((w) => w.read() as Variable);
    expect(heads.length, 'the output heads’ biases').toBeGreaterThan(0);
    for (const b of heads) b.assign(tf.add(b, 40));
    const norms = tf.tidy(() => {
      const x = tf.randomUniform([4, 784], 0, 1, 'float32', 1);
      const labels = model.conditional ? tf.cast(tf.oneHot(tf.tensor1d([1, 0, 1, 0], 'int32'), classes), 'float32') : undefined;
      const { grads } = inTraining(1, () => tf.variableGrads(() => model.computeLoss(x, true, labels).total, heads));
      return heads.map((b) => tf.norm(grads[b.name] as Tensor).dataSync()[0] as number);
    });
    // Only images of one identity reach each deepfake decoder, so each head gets a gradient of its own.
    for (const n of norms) expect(n).toBeGreaterThan(1e-3);

    model.dispose();
  });
});
