import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { selectBackend } from './backend';
import { followModeBatchNorm, inTraining } from './mode';
import { optimizerStep, type Optimizer, type StepOptions } from './optimizer-step';
import { tf, tfl, type LayersModel, type Scalar, type Tensor, type Variable } from './tf';

/** Weights by PyTorch's module name, in tfjs' layout and Keras' order (kernel, bias; gamma, beta, moving mean, variance). */
type Weights = Record<string, number[]>;
/** Written by fixtures/make_torch_fixtures.py (PyTorch 1.13, Debian's python3-torch). */
const torch = JSON.parse(readFileSync(new URL('./fixtures/torch-training.json', import.meta.url), 'utf8')) as {
  inputs: number[];
  targets: number[];
  shape: { in: number; hidden: number; out: number; batch: number; steps: number };
  batchNorm: { initial: Weights; learningRate: number; afterOneStep: Weights; afterTenSteps: Weights; inferenceOutput: number[] };
  adamW: { initial: Weights; learningRate: number; weightDecay: number; epsilon: number; after: Weights };
  adamWMatrices: { initial: Weights; learningRate: number; weightDecay: number; epsilon: number; after: Weights };
  clip: { initial: Weights; learningRate: number; clipNorm: number; norms: number[]; after: Weights };
  frozen: {
    initial: Weights;
    learningRate: number;
    weightDecay: number;
    clipNorm: number;
    epsilon: number;
    frozenSteps: number;
    after: Weights;
  };
};
const { shape } = torch;

/** PyTorch's MLP: Linear, (BatchNorm1d,) ReLU, Linear, with its weights. */
function mlp(batchNorm: boolean, weights: Weights): LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: shape.hidden, inputShape: [shape.in] }));
  if (batchNorm) model.add(followModeBatchNorm(tfl.layers.batchNormalization({ momentum: 0.99, epsilon: 1e-3 })));
  model.add(tfl.layers.activation({ activation: 'relu' }));
  model.add(tfl.layers.dense({ units: shape.out }));
  const values = Object.values(weights);
  let next = 0;
  for (const layer of model.layers)
    layer.setWeights(layer.getWeights().map((w) => tf.tensor(values[next++] as number[], w.shape)));
  return model;
}

const batchOf = (values: number[], step: number, width: number) =>
  tf.tensor2d(values.slice(step * shape.batch * width, (step + 1) * shape.batch * width), [shape.batch, width]);

/** `steps` training steps on the fixture's batches from `first`, each in training mode, over all the model's weights. */
function train(model: LayersModel, optimizer: Optimizer, steps: number, options: StepOptions = {}, first = 0): number[] {
  const vars = model.weights.filter((w) => !w.name.includes('moving_')).map((w) => w.read() as Variable);
  const norms: number[] = [];
  for (let step = first; step < first + steps; step++) {
    tf.tidy(() => {
      const x = batchOf(torch.inputs, step, shape.in);
      const y = batchOf(torch.targets, step, shape.out);
      const loss = () => tf.mean(tf.squaredDifference(model.apply(x) as Tensor, y)) as Scalar;
      const { gradNorm } = inTraining(step + 1, () => optimizerStep(optimizer, loss, vars, options));
      if (gradNorm) norms.push(gradNorm.dataSync()[0] as number);
    });
  }
  return norms;
}

/** The largest absolute difference between the model's weights and PyTorch's (layer by layer: a model lists its trainable weights first). */
function worstDifference(model: LayersModel, expected: Weights): number {
  const values = Object.values(expected);
  return Math.max(
    ...model.layers
      .flatMap((l) => l.getWeights())
      .flatMap((w, i) => Array.from(w.dataSync(), (v, j) => Math.abs(v - (values[i]?.[j] ?? NaN)))),
  );
}

describe('training steps against PyTorch', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('batch norm in training mode: one SGD step, then the moving statistics after ten, then inference', () => {
    const model = mlp(true, torch.batchNorm.initial);
    const sgd = tf.train.sgd(torch.batchNorm.learningRate);
    train(model, sgd, 1);
    expect(worstDifference(model, torch.batchNorm.afterOneStep)).toBeLessThan(1e-5);
    const vars = model.trainableWeights.map((w) => w.read() as Variable);
    for (let step = 1; step < 10; step++) {
      tf.tidy(() => {
        const x = batchOf(torch.inputs, step, shape.in);
        const y = batchOf(torch.targets, step, shape.out);
        const loss = () => tf.mean(tf.squaredDifference(model.apply(x) as Tensor, y)) as Scalar;
        inTraining(step + 1, () => optimizerStep(sgd, loss, vars));
      });
    }
    // Every weight, the moving mean and variance among them (PyTorch's running_var is the unbiased one).
    expect(worstDifference(model, torch.batchNorm.afterTenSteps)).toBeLessThan(1e-5);
    const output = tf.tidy(() => Array.from((model.apply(batchOf(torch.inputs, 0, shape.in)) as Tensor).dataSync()));
    expect(Math.max(...output.map((v, i) => Math.abs(v - (torch.batchNorm.inferenceOutput[i] as number))))).toBeLessThan(1e-5);
  });

  it('decoupled weight decay: twenty steps of Adam with it match torch.optim.AdamW', () => {
    const model = mlp(false, torch.adamW.initial);
    const adam = new Adam(torch.adamW.learningRate, 0.9, 0.999, torch.adamW.epsilon);
    train(model, adam, shape.steps, { weightDecay: torch.adamW.weightDecay });
    expect(worstDifference(model, torch.adamW.after)).toBeLessThan(1e-5);
  });

  it("decay of the matrices only: AdamW's two parameter groups (no decay for biases, nor batch norm's scale)", () => {
    const { adamWMatrices: fixture } = torch;
    const model = mlp(false, fixture.initial);
    const adam = new Adam(fixture.learningRate, 0.9, 0.999, fixture.epsilon);
    train(model, adam, shape.steps, { weightDecay: fixture.weightDecay, weightDecayOn: 'matrices' });
    expect(worstDifference(model, fixture.after)).toBeLessThan(1e-5);
    // SGD, whose decay is the step's own multiply, not Adam's kernel: the vector (a bias, a norm's scale) keeps its value.
    const [w, b] = [tf.variable(tf.ones([2, 2])), tf.variable(tf.ones([2]))];
    const zero = () => tf.mul<Scalar>(0, tf.add(tf.sum(w), tf.sum(b)));
    tf.tidy(() => optimizerStep(tf.train.sgd(0.5), zero, [w, b], { weightDecay: 0.1, weightDecayOn: 'matrices' }).loss);
    expect([w.dataSync()[0], b.dataSync()[0]]).toEqual([Math.fround(0.95), 1]);
  });

  it('a layer frozen for half the steps under AdamW and clipping: untouched while frozen, then counted from step 1', () => {
    const { frozen } = torch;
    const model = mlp(false, frozen.initial);
    const adam = new Adam(frozen.learningRate, 0.9, 0.999, frozen.epsilon);
    const options = { weightDecay: frozen.weightDecay, clipNorm: frozen.clipNorm };
    const last = model.layers[2] as (typeof model.layers)[number];
    // Built first: a Sequential's build sets every layer's trainable flag to its own.
    tf.tidy(() => model.apply(tf.zeros([1, shape.in])) as Tensor);
    last.trainable = false;
    const before = last.getWeights().map((w) => Array.from(w.dataSync()));
    train(model, adam, frozen.frozenSteps, options);
    expect(last.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    last.trainable = true;
    train(model, adam, shape.steps - frozen.frozenSteps, options, frozen.frozenSteps);
    expect(worstDifference(model, frozen.after)).toBeLessThan(1e-5);
  });

  it('RMSProp keeps each variable’s slot when a phase leaves one out of the loss (tfjs keeps them by position)', () => {
    const [a, b] = [tf.variable(tf.ones([3])), tf.variable(tf.ones([2, 2]))];
    const rms = tf.train.rmsprop(0.01);
    // A first phase trains b alone (DEC's clustering leaves the decoder out), then both; clipped and decayed, the path
    // where the step once handed RMSProp only the variables with a gradient.
    const options = { clipNorm: 100, weightDecay: 0.1 };
    tf.tidy(() => optimizerStep(rms, () => tf.sum<Scalar>(tf.square(b)), [a, b], options).loss);
    expect(Array.from(a.dataSync())).toEqual([1, 1, 1]);
    tf.tidy(() => optimizerStep(rms, () => tf.add<Scalar>(tf.sum(tf.square(a)), tf.sum(tf.square(b))), [a, b], options).loss);
    const slots = rms.getWeights().then((w) => w.map((x) => [x.name, x.tensor.shape]));
    return expect(slots).resolves.toEqual([
      ['iter', []],
      [`${a.name}/rms`, [3]],
      [`${b.name}/rms`, [2, 2]],
      [`${a.name}/momentum`, [3]],
      [`${b.name}/momentum`, [2, 2]],
    ]);
  });

  it('SGD and RMSProp take the rate a schedule sets and the decay (not as Adam: tfjs answers instanceof for any optimizer)', () => {
    const c = tf.variable(tf.ones([2, 2]));
    // SGD at the scheduled 0.5 (its own 0.1 set aside), decay 0.1: c·(1 − 0.05) − 0.5·2c.
    tf.tidy(
      () =>
        optimizerStep(tf.train.sgd(0.1), () => tf.sum<Scalar>(tf.square(c)), [c], { learningRate: 0.5, weightDecay: 0.1 }).loss,
    );
    expect(c.dataSync()[0]).toBeCloseTo(-0.05, 6);
    // RMSProp given no gradient but zeros: the decay alone moves it.
    const r = tf.variable(tf.ones([2]));
    const zero = () => tf.mul<Scalar>(0, tf.sum(r));
    tf.tidy(() => optimizerStep(tf.train.rmsprop(0.01), zero, [r], { learningRate: 0.5, weightDecay: 0.1 }).loss);
    expect(r.dataSync()[0]).toBeCloseTo(0.95, 6);
  });

  it('clipping by global norm: the norms and the weights of clip_grad_norm_', () => {
    const model = mlp(false, torch.clip.initial);
    const norms = train(model, tf.train.sgd(torch.clip.learningRate), 5, { clipNorm: torch.clip.clipNorm });
    expect(norms).toHaveLength(5);
    norms.forEach((n, i) => expect(n).toBeCloseTo(torch.clip.norms[i] as number, 5));
    expect(worstDifference(model, torch.clip.after)).toBeLessThan(1e-5);
  });
});
