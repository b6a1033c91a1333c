import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { elementLoss } from './losses';
import { keepLogits, logitsOf, sigmoidOutput } from './sigmoid-output';
import type { PyJsonDict } from '@tensorflow/tfjs-layers/dist/keras_format/types';
import { tf, tfl, type LayersModel, type Scalar, type Tensor, type Variable } from './tf';

const bce = elementLoss({ loss: 'bce' });

/** A dense head of four outputs, its kernel zero, so that the bias is the logits: linear, then the sigmoid layer. */
function head(bias: number[]): LayersModel {
  const model = keepLogits(
    tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [3], units: bias.length, name: 'output' }), sigmoidOutput('output_sigmoid')],
    }),
  );
  model.setWeights([tf.zeros([3, bias.length]), tf.tensor1d(bias)]);
  return model;
}

/** The loss per element and its gradient in the head's bias, for the targets x. */
async function lossAndBiasGradient(model: LayersModel, x: number[], out: (input: Tensor) => Tensor) {
  const input = tf.ones([1, 3]);
  const target = tf.tensor2d([x]);
  let perElement: number[] = [];
  const bias = model.layers[0]?.weights[1]?.read() as Variable;
  const { grads } = tf.variableGrads(() => {
    const loss = bce(target, out(input));
    perElement = Array.from(loss.dataSync());
    return tf.sum(loss) as Scalar;
  }, [bias]);
  const gradient = Array.from(await (grads[bias.name] as Tensor).data());
  tf.dispose([input, target, ...Object.values(grads)]);
  return { perElement, gradient };
}

describe.each(['cpu', 'wasm'] as const)('BCE on %s', (backend) => {
  beforeAll(async () => {
    expect((await selectBackend(backend)).name).toBe(backend);
  });

  it('is taken from the logits of a sigmoid head, so a confidently wrong pixel keeps its gradient σ(z) − x', async () => {
    const z = [30, -30, 0, 2];
    const x = [0, 1, 1, 0];
    const model = head(z);
    const fromLogits = await lossAndBiasGradient(model, x, (input) => model.apply(input) as Tensor);
    // max(z, 0) − x·z + log(1 + e^−|z|): 30, 30, log 2, 2 + log(1 + e^−2).
    const expected = [30, 30, Math.log(2), 2 + Math.log1p(Math.exp(-2))];
    fromLogits.perElement.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    fromLogits.gradient.forEach((g, i) => expect(g).toBeCloseTo(sigmoid(z[i] as number) - (x[i] as number), 5));

    // The same probabilities without the layer's logits: clipped, the two saturated pixels give no gradient at all.
    const dense = model.layers[0] as LayersModel['layers'][number];
    const clipped = await lossAndBiasGradient(model, x, (input) => tf.sigmoid(dense.apply(input) as Tensor));
    expect(clipped.gradient.slice(0, 2)).toEqual([0, 0]);
    expect(clipped.perElement[0]).toBeLessThan(17);
    model.dispose();
  });

  it('gives the clipped BCE’s value and gradient wherever nothing saturates', async () => {
    const logits = tf.randomNormal([8, 64], 0, 2, 'float32', 1);
    const x = tf.randomUniform([8, 64], 0, 1, 'float32', 2);
    const model = keepLogits(tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [64] }), sigmoidOutput('s')] }));
    const viaLogits = tf.valueAndGrad((z: Tensor) => tf.sum(bce(x, model.apply(z) as Tensor)) as Scalar)(logits);
    const viaProbabilities = tf.valueAndGrad((z: Tensor) => tf.sum(bce(x, tf.sigmoid(z))) as Scalar)(logits);
    const [a, b] = [await viaLogits.value.data(), await viaProbabilities.value.data()];
    expect(Math.abs((a[0] as number) - (b[0] as number)) / (b[0] as number)).toBeLessThan(1e-5);
    const [ga, gb] = [await viaLogits.grad.data(), await viaProbabilities.grad.data()];
    ga.forEach((g, i) => expect(g).toBeCloseTo(gb[i] as number, 4));
    tf.dispose([logits, x, viaLogits.value, viaLogits.grad, viaProbabilities.value, viaProbabilities.grad]);
    model.dispose();
  });

  it('leaves no tensor behind when the model is applied outside any tidy and its output freed (the explorer’s decodes)', () => {
    const model = head([1, 2, 3, 4]);
    const input = tf.ones([1, 3]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) (model.apply(input) as Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    model.dispose();
  });

  it('falls back to the clipped probabilities once the logits are freed', () => {
    const model = head([1, 2, 3, 4]);
    const input = tf.ones([1, 3]);
    const p = tf.tidy(() => model.apply(input) as Tensor);
    expect(logitsOf(p)).toBeUndefined();
    const loss = bce(tf.zeros([1, 4]), p);
    expect(Array.from(loss.dataSync())[3]).toBeCloseTo(4 + Math.log1p(Math.exp(-4)), 4);
    tf.dispose([input, p, loss]);
    model.dispose();
  });
});

describe('the sigmoid head saved', () => {
  it('is a stock Keras Activation, which a loader without the studio’s classes reads', async () => {
    await selectBackend('cpu');
    const model = head([-1, 0, 1, 2]);
    const topology = model.toJSON(undefined, false) as PyJsonDict;
    const last = (topology['config'] as unknown as { layers: { class_name: string; config: object }[] }).layers.at(-1);
    expect(last?.class_name).toBe('Activation');
    expect(last?.config).toMatchObject({ activation: 'sigmoid', name: 'output_sigmoid' });
    const loaded = await tfl.models.modelFromJSON({ modelTopology: topology });
    loaded.setWeights(model.getWeights());
    const input = tf.ones([1, 3]);
    const [ours, theirs] = [model.predict(input) as Tensor, loaded.predict(input) as Tensor];
    expect(Array.from(await theirs.data())).toEqual(Array.from(await ours.data()));
    expect(loaded.layers.at(-1)?.constructor.name).not.toBe('SigmoidOutput');
    tf.dispose([input, ours, theirs]);
    model.dispose();
    loaded.dispose();
  });
});

describe('every reconstruction loss', () => {
  beforeAll(async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
  });

  // Its value and its gradient in x̂ at differences of both signs on both sides of smooth L1's β (0.5).
  const x = [0.5, 0.5, 0.5, 0.5, 0.9];
  const xHat = [0.1, 0.4, 0.8, 1.4, 0.1];
  const beta = 0.5;
  const expected: Record<string, { value: (d: number) => number; slope: (d: number) => number }> = {
    mse: { value: (d) => d * d, slope: (d) => 2 * d },
    mae: { value: (d) => Math.abs(d), slope: (d) => Math.sign(d) },
    smoothL1: {
      value: (d) => (Math.abs(d) <= beta ? (d * d) / (2 * beta) : Math.abs(d) - beta / 2),
      slope: (d) => (Math.abs(d) <= beta ? d / beta : Math.sign(d)),
    },
  };
  it.each(Object.keys(expected))('%s: its value, and a gradient to train by', async (loss) => {
    const f = elementLoss({ loss: loss as 'mse', smoothL1Beta: beta });
    const target = tf.tensor1d(x);
    const out = tf.variable(tf.tensor1d(xHat));
    const value = Array.from(await f(target, out).data());
    const { grads } = tf.variableGrads(() => tf.sum(f(target, out)) as Scalar, [out]);
    const gradient = Array.from(await (grads[out.name] as Tensor).data());
    const d = xHat.map((v, i) => v - (x[i] as number));
    const { value: v, slope } = expected[loss]!;
    d.forEach((di, i) => {
      expect(value[i]).toBeCloseTo(v(di), 6);
      expect(gradient[i]).toBeCloseTo(slope(di), 5);
    });
    tf.dispose([target, out, ...Object.values(grads)]);
  });
});
