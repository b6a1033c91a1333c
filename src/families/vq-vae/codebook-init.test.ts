import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { memorySplit } from '../../ml/dataset';
import { tf, type Tensor } from '../../ml/tf';
import { createRng } from '../../shared/random';
import type { BuiltModel } from '../family-model';
import { defaultRunConfig } from '../run-config';
import { vqVaeFamily } from './model';
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

  it('places it once: a model restored from a checkpoint’s state keeps the codebook it was given', async () => {
    const train = split(400);
    const first = build();
    await first.beforeEpoch?.(1, { train, test: train });
    const state = await first.state!();
    const book = codebookOf(first);
    const resumed = build();
    resumed.restore!(state);
    const untouched = codebookOf(resumed);
    await resumed.beforeEpoch?.(2, { train, test: train });
    expect(codebookOf(resumed)).toEqual(untouched);
    expect(untouched).not.toEqual(book);
    first.dispose();
    resumed.dispose();
  });

  it('refuses a training set with fewer encoder outputs than codes, naming the fields', async () => {
    const built = build();
    const train = split(3);
    await expect(built.beforeEpoch!(1, { train, test: train })).rejects.toThrow(
      'model.codebookInit: k-means needs at least 64 encoder outputs (model.codebookSize), and 3 training images give 48',
    );
    built.dispose();
  });
});
