/**
 * A PixelCNN (van den Oord et al. 2016; lecture seed 002) over a VQ-VAE's grid of code indices: the learned prior
 * p(c) = Π_i p(c_i | c_<i) in raster order (row by row, left to right). Masked convolutions keep it autoregressive:
 * each kernel is multiplied by a fixed mask inside the layer, so position i never sees itself (mask A, the first
 * layer) nor anything after it (mask B, the layers after). Pure tfjs ops (conv2d and its gradients, matMul), so it
 * trains on the wasm backend as on the others.
 */
import { createRng, shuffledIndices } from '../../shared/random';
import { Adam } from '../../ml/adam';
import type { Rank, Tensor4D } from '@tensorflow/tfjs-core';
import type { NamedArray } from '../training/checkpoint';
import { readFloats, Reads } from '../../ml/read';
import { tf, type Scalar, type Tensor, type Variable } from '../../ml/tf';

/** The prior's architecture: what a checkpoint stores beside its weights, so that sampling rebuilds it. */
export interface PixelCnnShape {
  /** The code grid, [height, width], and the number of codes K. */
  height: number;
  width: number;
  codes: number;
  /** Size of each code index's learned embedding. */
  embedding: number;
  /** Channels of the hidden layers. */
  filters: number;
  /** Side of the first (mask A) kernel. */
  firstKernel: number;
  /** Gated residual blocks, each a 3×3 mask-B convolution. */
  blocks: number;
}

export interface PixelCnnTraining {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * Small on purpose: a VQ-VAE's grid is small (4×4 to 8×8 positions), and a 7×7 mask-A kernel already sees every
 * earlier position of a 4×4 grid; two gated blocks reach further on larger grids.
 */
export const pixelCnnDefaults = { embedding: 16, filters: 32, firstKernel: 7, blocks: 2 } as const;
export const priorTrainingDefaults = { epochs: 10, batchSize: 64, learningRate: 0.004 } as const;

/**
 * The mask of a k×k kernel with `cin` inputs and `cout` outputs, [k, k, cin, cout]: 1 on the taps above the
 * centre row, and on the centre row left of the centre; type B also keeps the centre (the position's own features,
 * which after a mask-A layer hold only what came before it).
 */
export function kernelMask(k: number, type: 'A' | 'B', cin: number, cout: number): Float32Array {
  const c = Math.floor(k / 2);
  const mask = new Float32Array(k * k * cin * cout);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const open = i < c || (i === c && (j < c || (type === 'B' && j === c)));
      if (open) mask.fill(1, (i * k + j) * cin * cout, (i * k + j + 1) * cin * cout);
    }
  }
  return mask;
}

export interface PixelCnn {
  readonly shape: PixelCnnShape;
  /** Logits over the K codes at every position, [batch, height, width, K], from int32 codes [batch, height, width]. */
  logits(codes: Tensor): Tensor;
  /** Mean negative log-likelihood in nats per position of int32 codes [batch, height, width]. */
  nll(codes: Tensor): Scalar;
  variables(): Variable[];
  /** The weights by name, for a checkpoint. */
  weights(): Promise<NamedArray[]>;
  /** Sets the weights from a checkpoint's (checked by name and shape). */
  load(weights: readonly NamedArray[]): void;
  dispose(): void;
}

let built = 0;

/** Builds a PixelCNN with seeded initial weights. */
export function buildPixelCnn(shape: PixelCnnShape, seed: number): PixelCnn {
  const { height: h, width: w, codes: k, embedding: e, filters: f, firstKernel, blocks } = shape;
  // Variable names are global to the engine (the optimizer finds them by name): one prefix per model.
  const prefix = `pixelcnn${built++}`;
  let stream = 0;
  const vars: { name: string; v: Variable }[] = [];
  const variable = (name: string, dims: number[], init: 'glorot' | 'zeros', fanIn = 1, fanOut = 1): Variable => {
    const value =
      init === 'zeros'
        ? tf.zeros(dims)
        : tf.randomUniform(dims, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), 'float32', seed + stream++);
    const v = tf.variable(value, true, `${prefix}/${name}`);
    value.dispose();
    vars.push({ name, v });
    return v;
  };
  const maskA = tf.tensor4d(kernelMask(firstKernel, 'A', e, f), [firstKernel, firstKernel, e, f]);
  const maskB = tf.tensor4d(kernelMask(3, 'B', f, 2 * f), [3, 3, f, 2 * f]);

  const embed = variable('embedding', [k, e], 'glorot', k, e);
  const inKernel = variable('in/kernel', [firstKernel, firstKernel, e, f], 'glorot', (firstKernel * firstKernel * e) / 2, f);
  const inBias = variable('in/bias', [f], 'zeros');
  // Learned biases per position (a conditioning map that depends on where, never on what): the grid's codes need
  // not be alike from place to place (a dense encoder's positions each have their own distribution).
  const inPosition = variable('in/position', [h, w, f], 'zeros');
  const gates = Array.from({ length: blocks }, (_, b) => ({
    kernel: variable(`block${b}/kernel`, [3, 3, f, 2 * f], 'glorot', (9 * f) / 2, 2 * f),
    bias: variable(`block${b}/bias`, [2 * f], 'zeros'),
    mix: variable(`block${b}/mix`, [f, f], 'glorot', f, f),
    mixBias: variable(`block${b}/mix_bias`, [f], 'zeros'),
  }));
  const hidden = variable('out/hidden', [f, f], 'glorot', f, f);
  const hiddenBias = variable('out/hidden_bias', [f], 'zeros');
  const out = variable('out/logits', [f, k], 'glorot', f, k);
  const outBias = variable('out/logits_bias', [k], 'zeros');
  const outPosition = variable('out/position', [h, w, k], 'zeros');

  /** A 1×1 convolution as a matrix product over every position. */
  const pointwise = (x: Tensor, m: Tensor, b: Tensor) => {
    const [n, hh, ww, c] = x.shape as [number, number, number, number];
    return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [n * hh * ww, c]), m), b), [n, hh, ww, m.shape[1] as number]);
  };

  const logits = (codes: Tensor): Tensor =>
    tf.tidy(() => {
      const n = codes.shape[0] ?? 0;
      const oneHot = tf.cast(tf.oneHot(tf.reshape(codes, [-1]), k), 'float32');
      const embedded = tf.reshape<Rank.R4>(tf.matMul(oneHot, embed), [n, h, w, e]);
      let x: Tensor4D = tf.conv2d(embedded, tf.mul<Tensor4D>(inKernel, maskA), 1, 'same');
      x = tf.add<Tensor4D>(tf.add(x, inBias), inPosition);
      for (const g of gates) {
        const a = tf.add(tf.conv2d(x, tf.mul<Tensor4D>(g.kernel, maskB), 1, 'same'), g.bias);
        const [filter, gate] = tf.split(a, 2, 3) as [Tensor, Tensor];
        x = tf.add<Tensor4D>(x, pointwise(tf.mul(tf.tanh(filter), tf.sigmoid(gate)), g.mix, g.mixBias));
      }
      const y = tf.relu(pointwise(tf.relu(x), hidden, hiddenBias));
      return tf.add(pointwise(y, out, outBias), outPosition);
    });

  const nll = (codes: Tensor): Scalar =>
    tf.tidy(() => {
      const flat = tf.reshape(logits(codes), [-1, k]);
      const target = tf.cast(tf.oneHot(tf.reshape(codes, [-1]), k), 'float32');
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(flat)), 1))) as Scalar;
    });

  return {
    shape,
    logits,
    nll,
    variables: () => vars.map((x) => x.v),
    weights: () =>
      Promise.all(vars.map(async ({ name, v }) => ({ name, shape: v.shape.slice(), values: Float32Array.from(await v.data()) }))),
    load(weights) {
      if (weights.length !== vars.length)
        throw new Error(`the prior's checkpoint holds ${weights.length} weights, the PixelCNN ${vars.length}`);
      vars.forEach(({ name, v }, i) => {
        const s = weights[i] as NamedArray;
        if (s.name !== name || s.shape.join('x') !== v.shape.join('x'))
          throw new Error(
            `the prior's checkpoint weight ${i} is ${s.name} [${s.shape.join(', ')}], the PixelCNN's ${name} [${v.shape.join(', ')}]`,
          );
        tf.tidy(() => v.assign(tf.tensor(s.values, s.shape)));
      });
    },
    dispose() {
      tf.dispose([maskA, maskB, ...vars.map((x) => x.v)]);
    },
  };
}

/** Entropy in bits per position of the codes' empirical distribution (their unigram frequencies). */
export function unigramEntropyBits(codes: Int32Array, k: number): number {
  const counts = new Float64Array(k);
  for (const c of codes) counts[c] = (counts[c] as number) + 1;
  let bits = 0;
  for (const n of counts) if (n > 0) bits -= (n / codes.length) * Math.log2(n / codes.length);
  return bits;
}

/** Mean negative log-likelihood in bits per position of code grids, [count × height × width], `batch` grids at a time. */
export async function nllBits(model: PixelCnn, codes: Int32Array, batch = 256): Promise<number> {
  const { height: h, width: w } = model.shape;
  const per = h * w;
  const count = codes.length / per;
  let nats = 0;
  const reads = new Reads();
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    tf.tidy(() =>
      reads.values(
        model.nll(tf.tensor3d(codes.subarray(start * per, (start + n) * per), [n, h, w], 'int32')),
        (v) => (nats += n * (v[0] as number)),
      ),
    );
  }
  await reads.read();
  return nats / count / Math.LN2;
}

export interface EpochFigures {
  epoch: number;
  trainNllBits: number;
  testNllBits: number;
  seconds: number;
}

/**
 * Trains the prior on training code grids with Adam (the data order from a seeded shuffle), reporting the training
 * and test NLL in bits per position after each epoch.
 */
export async function trainPixelCnn(
  model: PixelCnn,
  data: { train: Int32Array; test: Int32Array },
  training: PixelCnnTraining,
  onEpoch: (figures: EpochFigures) => void | Promise<void>,
): Promise<EpochFigures[]> {
  const { height: h, width: w } = model.shape;
  const per = h * w;
  const count = data.train.length / per;
  const optimizer = new Adam(training.learningRate);
  const rng = createRng(training.seed ^ 0x9c);
  const batch = new Int32Array(training.batchSize * per);
  const curve: EpochFigures[] = [];
  try {
    for (let epoch = 1; epoch <= training.epochs; epoch++) {
      const started = performance.now();
      const order = shuffledIndices(count, rng);
      // The epoch's summed loss stays on the device: no read back in a step.
      let nats = tf.scalar(0);
      for (let start = 0; start < count; start += training.batchSize) {
        const n = Math.min(training.batchSize, count - start);
        for (let b = 0; b < n; b++) {
          const i = order[start + b] as number;
          batch.set(data.train.subarray(i * per, (i + 1) * per), b * per);
        }
        const sum = tf.tidy(() => {
          const x = tf.tensor3d(batch.subarray(0, n * per), [n, h, w], 'int32');
          const loss = optimizer.minimize(() => model.nll(x), true, model.variables()) as Scalar;
          return tf.add<Scalar>(nats, tf.mul(loss, n));
        });
        nats.dispose();
        nats = sum;
        // Let the worker's IPC breathe between steps.
        if (start % (training.batchSize * 16) === 0) await new Promise((r) => setImmediate(r));
      }
      const figures = {
        epoch,
        trainNllBits: ((await nats.data())[0] as number) / count / Math.LN2,
        testNllBits: await nllBits(model, data.test),
        seconds: (performance.now() - started) / 1000,
      };
      nats.dispose();
      curve.push(figures);
      await onEpoch(figures);
    }
  } finally {
    optimizer.dispose();
  }
  return curve;
}

/**
 * Draws `n` code grids from the prior, position by position in raster order: the logits of position i given the
 * codes drawn before it, then a code from their softmax (in float64) with a seeded stream. The same seed gives
 * the same grids on the same backend.
 */
export async function samplePixelCnn(model: PixelCnn, n: number, seed: number, chunk = 256): Promise<Int32Array> {
  const { height: h, width: w, codes: k } = model.shape;
  const per = h * w;
  const out = new Int32Array(n * per);
  const rng = createRng(seed);
  const p = new Float64Array(k);
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const grid = out.subarray(start * per, (start + m) * per);
    for (let pos = 0; pos < per; pos++) {
      const logits = await readFloats(() => {
        const all = model.logits(tf.tensor3d(grid, [m, h, w], 'int32'));
        return tf.slice(tf.reshape(all, [m, per, k]), [0, pos, 0], [m, 1, k]);
      });
      for (let s = 0; s < m; s++) {
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, logits[s * k + c] as number);
        let total = 0;
        for (let c = 0; c < k; c++) total += p[c] = Math.exp((logits[s * k + c] as number) - max);
        let u = rng() * total;
        let chosen = k - 1;
        for (let c = 0; c < k; c++) {
          u -= p[c] as number;
          if (u < 0) {
            chosen = c;
            break;
          }
        }
        grid[s * per + pos] = chosen;
      }
    }
  }
  return out;
}

/** `n` code grids drawn uniformly from the K codes (what sampling a VQ-VAE without a learned prior amounts to). */
export function uniformCodes(n: number, per: number, k: number, seed: number): Int32Array {
  const rng = createRng(seed);
  return Int32Array.from({ length: n * per }, () => Math.min(k - 1, Math.floor(rng() * k)));
}
