import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { memorySplit } from '../../ml/dataset';
import { tf, type Tensor } from '../../ml/tf';
import { createRng } from '../../shared/random';
import type { BuiltModel } from '../family-model';
import { defaultRunConfig } from '../run-config';
import { codebookInitRows, codebookStart, vqVaeFamily } from './model';
import type { VqVaeModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

const pixels = 784;
/** Images of random strokes: bytes, most of them 0, as MNIST's are. */
function images(count: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: count * pixels }, () => (rng() < 0.2 ? Math.floor(rng() * 256) : 0));
}
const split = (count: number, seed = 3) => memorySplit(images(count, seed), pixels, null);

function build(model: Partial<VqVaeModel> = {}): BuiltModel {
  const config = defaultRunConfig('vq-vae');
  const m: VqVaeModel = { ...(config.model as VqVaeModel), codebookInit: 'kmeans', ...model };
  return vqVaeFamily.build({ model: m, training: config.training, inputShape: [28, 28, 1], seed: 4, classes: 0 });
}

const codebookOf = (built: BuiltModel) =>
  Array.from(
    built
      .weights()
      .find((w) => w.name === 'codebook')!
      .read()
      .dataSync(),
  );

/** How many of the codebook's codes the encoder's outputs for `x` choose, and their mean squared distance to them. */
function assignments(built: BuiltModel, x: Tensor): { used: number; distance: number } {
  const d = (built
    .weights()
    .find((w) => w.name === 'codebook')!
    .read().shape[1] ?? 1) as number;
  const book = codebookOf(built);
  const rows = tf.tidy(() => tf.reshape(built.layersModels!()['encoder']!.apply(x) as Tensor, [-1, d]).dataSync());
  const used = new Set<number>();
  let distance = 0;
  for (let r = 0; r < rows.length / d; r++) {
    let best = Infinity;
    let bestCode = -1;
    for (let c = 0; c < book.length / d; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (rows[r * d + j]! - book[c * d + j]!) ** 2;
      if (s < best) [best, bestCode] = [s, c];
    }
    used.add(bestCode);
    distance += best;
  }
  return { used: used.size, distance: distance / (rows.length / d) };
}

describe("the VQ-VAE's codebook placed by k-means on the encoder's outputs (codebookInit: 'kmeans')", () => {
  it('starts every code where the encoder’s outputs are: each output near its code, nearly every code chosen', async () => {
    const train = split(400);
    const x = tf.tensor2d(
      Float32Array.from(images(200, 5), (v) => v / 255),
      [200, pixels],
    );
    const uniform = build({ codebookInit: 'uniform' });
    const placed = build();
    const before = assignments(placed, x);
    await uniform.beforeEpoch?.(1, { train, test: train });
    await placed.beforeEpoch?.(1, { train, test: train });
    const [u, p] = [assignments(uniform, x), assignments(placed, x)];
    console.log(
      `codes used / mean squared distance to the nearest: uniform ${u.used} / ${u.distance}, k-means ${p.used} / ${p.distance}`,
    );
    // From ±1/K every code sits near 0, far from the outputs; placed on them, nearly all 64 are some output's nearest.
    expect(before).toEqual(u);
    expect(p.used).toBeGreaterThan(56);
    expect(p.distance).toBeLessThan(0.6 * u.distance);
    tf.dispose(x);
    uniform.dispose();
    placed.dispose();
  });

  it('places it once: a checkpoint’s state says whether it was placed, and a restored model places it only if not', async () => {
    const train = split(400);
    const placed = build();
    const waiting = build();
    await placed.beforeEpoch?.(1, { train, test: train });
    const [after, before] = [await placed.state!(), await waiting.state!()];
    // Restored from the state of a placed model (a checkpoint is written after steps): its codebook is the checkpoint's.
    const resumed = build();
    resumed.restore!(after);
    const kept = codebookOf(resumed);
    await resumed.beforeEpoch?.(2, { train, test: train });
    expect(codebookOf(resumed)).toEqual(kept);
    // From the state of one not placed yet, it is placed at its next epoch.
    const fresh = build();
    fresh.restore!(before);
    const unplaced = codebookOf(fresh);
    await fresh.beforeEpoch?.(1, { train, test: train });
    expect(codebookOf(fresh)).not.toEqual(unplaced);
    for (const m of [placed, waiting, resumed, fresh]) m.dispose();
  });

  it('takes k-means where K·D allows it in a second or two, else K distinct encoder outputs drawn at random', async () => {
    expect(codebookStart(64, 8)).toEqual({ method: 'kmeans', rows: codebookInitRows });
    expect(codebookStart(128, 16)).toEqual({ method: 'kmeans', rows: 9092 });
    expect(codebookStart(1024, 64)).toEqual({ method: 'sample', rows: 4096 });
    // A sampled start: each code is one of the encoder's outputs for the training images, no two the same.
    const big = build({ codebookSize: 1024, codeSize: 64 });
    const train = split(100);
    await big.beforeEpoch?.(1, { train, test: train });
    const x = tf.tensor2d(
      Float32Array.from(images(100, 3), (v) => v / 255),
      [100, pixels],
    );
    const outputs = tf.tidy(() =>
      tf.reshape(big.layersModels!()['encoder']!.apply(x) as Tensor, [-1, 64]).arraySync(),
    ) as number[][];
    const known = new Set(outputs.map((row) => row.join(',')));
    const book = codebookOf(big);
    const codes = Array.from({ length: 1024 }, (_, c) => book.slice(c * 64, (c + 1) * 64).join(','));
    expect(codes.every((code) => known.has(code))).toBe(true);
    expect(new Set(codes).size).toBe(1024);
    tf.dispose(x);
    big.dispose();
  });

  it('refuses a training set with fewer encoder outputs than codes, naming the fields', async () => {
    const built = build();
    const train = split(3);
    await expect(built.beforeEpoch!(1, { train, test: train })).rejects.toThrow(
      'model.codebookInit: placing 64 codes (model.codebookSize) needs at least 64 encoder outputs, and 3 training images give 48',
    );
    built.dispose();
  });
});
