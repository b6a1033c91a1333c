/**
 * A gated PixelCNN (van den Oord et al. 2016b, "Conditional Image Generation with PixelCNN Decoders", §2.1–2.2;
 * lecture seed 002) over a VQ-VAE's grid of code indices: the learned prior p(c) = Π_i p(c_i | c_<i) in raster
 * order (row by row, left to right). Two stacks keep it autoregressive without the blind spot of one stack of
 * masked convolutions (which never sees the positions above and to the right beyond its kernel, whatever its depth):
 * - the vertical stack at row r sees only rows above r, every column within its reach;
 * - the horizontal stack at (r, c) sees the row to the left of c, and takes the vertical stack's features;
 * - each layer is gated, tanh(W_f ∗ x) ⊙ σ(W_g ∗ x), and the horizontal stack is residual after the first layer.
 * Causality comes from padding and cropping (no masks): a kernel of k rows padded with k rows above reads rows
 * r−k…r−1 for its output row r once the row past the end is cropped. Pure tfjs ops (conv2d and its gradients,
 * matMul), so it trains on the wasm backend as on the others.
 */
import { createRng, deriveSeed, shuffledIndices } from '../../shared/random';
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
  /** Channels of the hidden layers (each stack's gate has twice as many). */
  filters: number;
  /** The architecture, named in checkpoints: a prior of the single masked stack (before 2026-12) has none. */
  stacks: 'vertical+horizontal';
  /** Rows above a position that the first layer's vertical stack reads, and columns to each side of it. */
  firstRows: number;
  /** Columns each side that the first vertical layer reads, and to the left that the first horizontal one reads. */
  firstColumns: number;
  /** Gated residual blocks after the first layer, each reaching one row further up and one column further out. */
  blocks: number;
  /**
   * Codebooks taking turns along each row (`CodeGrid.codebooks`): index c at column j is embedded as entry
   * c + K·(j mod codebooks), since it names another vector in each. Absent: 1.
   */
  codebooks?: number;
}

export interface PixelCnnTraining {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** The most one batch of a prior may take (its codes, logits and activations): half of wasm's 4 GiB heap. */
export const priorMemoryBudget = 2 * 2 ** 30;

/**
 * Bytes of the largest batch a prior takes (the test NLL's 256 grids; a training batch of 64 keeps about twice its
 * values for the backward pass), an estimate per position, float32: the one-hot codes over every codebook's indices
 * and K logits with their softmax; the embedding; the first layer's patches (its kernels reach `firstRows` rows and
 * the whole width: most of it on wide grids) and its two stacks' gated outputs; and each block's patches and outputs.
 */
export function priorBatchBytes(height: number, width: number, k: number, codebooks: number): number {
  const s = pixelCnnShape(height, width, k, codebooks);
  const { embedding: e, filters: f } = pixelCnnDefaults;
  const codes = k * codebooks + 2 * k + e;
  const first = s.firstRows * (2 * s.firstColumns + 1) * e + (s.firstColumns + 1) * e + 2 * (2 * f + f);
  const block = 2 * 3 * f + 2 * f + 2 * (2 * f + 2 * f);
  return 256 * height * width * (codes + first + s.blocks * block) * 4;
}

/**
 * Why a prior over this grid cannot be trained here (its batch over priorMemoryBudget), in words; undefined when it
 * can. Asked when a prior is requested, from the config's grid (FamilySpec.codeGrid), and again in its worker.
 */
export function priorMemoryIssue(height: number, width: number, k: number, codebooks: number): string | undefined {
  const need = priorBatchBytes(height, width, k, codebooks);
  if (need <= priorMemoryBudget) return undefined;
  return (
    `a learned prior over grids of ${height}×${width} codes from ${k}${codebooks > 1 ? ` × ${codebooks} codebooks` : ''} would need about ` +
    `${(need / 2 ** 30).toFixed(1)} GiB for one batch (its codes, logits and activations); it takes at most ${priorMemoryBudget / 2 ** 30} GiB: ` +
    'a model with fewer code positions (a narrower grid) or a smaller codebook'
  );
}

/** Sizes of the layers, whatever the grid. */
export const pixelCnnDefaults = { embedding: 16, filters: 32 } as const;
export const priorTrainingDefaults = { epochs: 10, batchSize: 64, learningRate: 0.004 } as const;
const maxFirstColumns = 31;
const maxBlocks = 6;

/**
 * The PixelCNN for a grid: the first layer reads up to 3 rows above and the whole width (up to 31 columns each
 * side), and enough blocks follow to reach the top row (2 to 6). Every preset's grid (4×4, 7×7, 4×16, 7×28) is
 * then seen whole: each position's logits depend on every earlier position (`visibleContext`).
 */
export function pixelCnnShape(height: number, width: number, codes: number, codebooks = 1): PixelCnnShape {
  const firstRows = Math.max(1, Math.min(3, height - 1));
  const firstColumns = Math.max(1, Math.min(maxFirstColumns, width - 1));
  const needed = Math.max(height - 1 - firstRows, width - 1 - firstColumns);
  const blocks = Math.max(2, Math.min(maxBlocks, needed));
  return {
    height,
    width,
    codes,
    ...pixelCnnDefaults,
    stacks: 'vertical+horizontal',
    firstRows,
    firstColumns,
    blocks,
    ...(codebooks > 1 ? { codebooks } : {}),
  };
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

/** Builds a gated PixelCNN with seeded initial weights. */
export function buildPixelCnn(shape: PixelCnnShape, seed: number): PixelCnn {
  if (shape.stacks !== 'vertical+horizontal') {
    throw new Error(
      'this prior was trained by an earlier version of the studio (one stack of masked convolutions, which has a blind spot): train the prior again',
    );
  }
  const { height: h, width: w, codes: k, embedding: e, filters: f, firstRows: fr, firstColumns: fc, blocks } = shape;
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
  const kernel = (name: string, kh: number, kw: number, cin: number, cout: number) =>
    variable(name, [kh, kw, cin, cout], 'glorot', kh * kw * cin, cout);
  const dense = (name: string, cin: number, cout: number) => ({
    m: variable(`${name}/kernel`, [cin, cout], 'glorot', cin, cout),
    b: variable(`${name}/bias`, [cout], 'zeros'),
  });

  const books = shape.codebooks ?? 1;
  const embed = variable('embedding', [k * books, e], 'glorot', k, e);
  // Column j's codes index codebook j mod books: their rows of the embedding table start at K·(j mod books).
  const offsets =
    books > 1
      ? tf.tensor1d(
          Array.from({ length: h * w }, (_, p) => k * ((p % w) % books)),
          'int32',
        )
      : null;
  const first = {
    vertical: kernel('in/vertical', fr, 2 * fc + 1, e, 2 * f),
    horizontal: kernel('in/horizontal', 1, fc, e, 2 * f),
    bias: variable('in/bias', [2 * f], 'zeros'),
    v2h: dense('in/v2h', 2 * f, 2 * f),
    out: dense('in/out', f, f),
  };
  // Learned biases per position (a conditioning map that depends on where, never on what): the grid's codes need
  // not be alike from place to place (a dense encoder's positions each have their own distribution).
  const inPosition = variable('in/position', [h, w, 2 * f], 'zeros');
  const gated = Array.from({ length: blocks }, (_, b) => ({
    vertical: kernel(`block${b}/vertical`, 2, 3, f, 2 * f),
    verticalBias: variable(`block${b}/vertical_bias`, [2 * f], 'zeros'),
    horizontal: kernel(`block${b}/horizontal`, 1, 2, f, 2 * f),
    v2h: dense(`block${b}/v2h`, 2 * f, 2 * f),
    out: dense(`block${b}/out`, f, f),
  }));
  const hidden = dense('out/hidden', f, f);
  const out = dense('out/logits', f, k);
  const outPosition = variable('out/position', [h, w, k], 'zeros');

  /** A 1×1 convolution as a matrix product over every position. */
  const pointwise = (x: Tensor, d: { m: Tensor; b: Tensor }) => {
    const [n, hh, ww, c] = x.shape as [number, number, number, number];
    return tf.reshape<Rank.R4>(tf.add(tf.matMul(tf.reshape(x, [n * hh * ww, c]), d.m), d.b), [n, hh, ww, d.m.shape[1] as number]);
  };
  const gate = (a: Tensor) => {
    const [filter, g] = tf.split(a, 2, 3) as [Tensor, Tensor];
    return tf.mul(tf.tanh(filter), tf.sigmoid(g));
  };
  /** Rows r−above…r−1+include (every column within `side`): padded above, and the row past the end cropped. */
  const vertical = (x: Tensor4D, kern: Tensor4D, above: number, side: number, n: number, cout: number) => {
    const y = tf.conv2d(x, kern, 1, [
      [0, 0],
      [above, 0],
      [side, side],
      [0, 0],
    ]);
    return y.shape[1] === h ? y : tf.slice(y, [0, 0, 0, 0], [n, h, w, cout]);
  };
  /** Columns c−left…c−1+include of the same row: padded on the left, and the column past the end cropped. */
  const horizontal = (x: Tensor4D, kern: Tensor4D, left: number, n: number, cout: number) => {
    const y = tf.conv2d(x, kern, 1, [
      [0, 0],
      [0, 0],
      [left, 0],
      [0, 0],
    ]);
    return y.shape[2] === w ? y : tf.slice(y, [0, 0, 0, 0], [n, h, w, cout]);
  };

  const logits = (codes: Tensor): Tensor =>
    tf.tidy(() => {
      const n = codes.shape[0] ?? 0;
      const rows = offsets ? tf.add(tf.reshape(codes, [n, h * w]), offsets) : codes;
      const oneHot = tf.cast(tf.oneHot(tf.reshape(rows, [-1]), k * books), 'float32');
      const x = tf.reshape<Rank.R4>(tf.matMul(oneHot, embed), [n, h, w, e]);
      // The first layer sees strictly before (rows above; columns to the left): its kernels end one short.
      let vPre = tf.add<Tensor4D>(vertical(x, first.vertical as Tensor4D, fr, fc, n, 2 * f), first.bias);
      let v = gate(vPre) as Tensor4D;
      const hPre = tf.add(
        tf.add(horizontal(x, first.horizontal as Tensor4D, fc, n, 2 * f), pointwise(vPre, first.v2h)),
        inPosition,
      );
      let hs = pointwise(gate(hPre), first.out);
      for (const g of gated) {
        // Then each layer takes its own position too: the features there already see only what came before.
        vPre = tf.add<Tensor4D>(vertical(v, g.vertical as Tensor4D, 1, 1, n, 2 * f), g.verticalBias);
        v = gate(vPre) as Tensor4D;
        const a = tf.add(horizontal(hs, g.horizontal as Tensor4D, 1, n, 2 * f), pointwise(vPre, g.v2h));
        hs = tf.add<Tensor4D>(hs, pointwise(gate(a), g.out));
      }
      const y = tf.relu(pointwise(tf.relu(hs), hidden));
      return tf.add(pointwise(y, out), outPosition);
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
      tf.dispose([...vars.map((x) => x.v), ...(offsets ? [offsets] : [])]);
    },
  };
}

/**
 * Bits per code of `test` under the code frequencies of `train`, add-½ smoothed (Krichevsky–Trofimov): a prior
 * without structure fitted on the training codes and scored on the test codes, as the PixelCNN is. (The entropy of
 * the test codes' own frequencies is below what any such prior reaches, and far below on few grids.)
 */
export function unigramCrossEntropyBits(train: ArrayLike<number>, test: ArrayLike<number>, k: number): number {
  const counts = new Float64Array(k).fill(0.5);
  for (let i = 0; i < train.length; i++) counts[train[i] as number]! += 1;
  const total = train.length + 0.5 * k;
  let bits = 0;
  for (let i = 0; i < test.length; i++) bits -= Math.log2((counts[test[i] as number] as number) / total);
  return bits / test.length;
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
 * and test NLL in bits per position after each epoch (the training NLL on as many training grids as the test has).
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
      for (let start = 0; start < count; start += training.batchSize) {
        const n = Math.min(training.batchSize, count - start);
        for (let b = 0; b < n; b++) {
          const i = order[start + b] as number;
          batch.set(data.train.subarray(i * per, (i + 1) * per), b * per);
        }
        // No read back in a step: the figures come after the epoch.
        tf.tidy(() => {
          const x = tf.tensor3d(batch.subarray(0, n * per), [n, h, w], 'int32');
          optimizer.minimize(() => model.nll(x), false, model.variables());
        });
        // Let the worker's IPC breathe between steps.
        if (start % (training.batchSize * 16) === 0) await new Promise((r) => setImmediate(r));
      }
      // After the epoch, as the test NLL is: on as many training grids as the test has (the first of them), so that
      // the two compare (the epoch's running mean, over weights that were changing, read above the test early on).
      const trainSeen = Math.min(count, data.test.length / per) * per;
      const figures = {
        epoch,
        trainNllBits: await nllBits(model, data.train.subarray(0, trainSeen)),
        testNllBits: await nllBits(model, data.test),
        seconds: (performance.now() - started) / 1000,
      };
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
 * codes drawn before it, divided by the `temperature` (1: the prior itself; below 1 sharper, above 1 flatter), then
 * a code from their softmax (in float64). Grid j draws from its own seeded stream (`deriveSeed(seed, j)`), so it is
 * the same grid whatever `n`, on the same backend.
 */
export async function samplePixelCnn(
  model: PixelCnn,
  n: number,
  seed: number,
  options: { temperature?: number; chunk?: number } = {},
): Promise<Int32Array> {
  const { temperature = 1, chunk = 256 } = options;
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new Error(`temperature: ${temperature} is not a positive number`);
  const { height: h, width: w, codes: k } = model.shape;
  const per = h * w;
  const out = new Int32Array(n * per);
  const streams = Array.from({ length: n }, (_, j) => createRng(deriveSeed(seed, j)));
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
        for (let c = 0; c < k; c++) total += p[c] = Math.exp(((logits[s * k + c] as number) - max) / temperature);
        let u = (streams[start + s] as () => number)() * total;
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
