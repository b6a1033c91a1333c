import { loadMnist } from '../../src/core/datasets/catalog';
import { fillBatch, type ImageSplit } from '../../src/ml/dataset';
import { selectBackend } from '../../src/ml/backend';
import { tf, tfl, type LayersModel } from '../../src/ml/tf';

/** An MLP digit classifier trained in the test process on real MNIST, to judge generated digits. */
export async function trainDigitClassifier(
  trainImages = 10000,
  epochs = 3,
): Promise<{ model: LayersModel; testAccuracy: number }> {
  await selectBackend('wasm');
  const ds = loadMnist({ trainSubset: trainImages, testSubset: 2000 });
  const pixelsOf = (split: ImageSplit) => {
    const out = new Float32Array(split.count * 784);
    fillBatch(
      split,
      784,
      Uint32Array.from({ length: split.count }, (_, i) => i),
      out,
    );
    return out;
  };
  const toY = (labels: Uint8Array | null, n: number) => tf.oneHot(tf.tensor1d(Array.from(labels ?? []).slice(0, n), 'int32'), 10);
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [784],
        units: 256,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 11 }),
      }),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 12 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = tf.tensor2d(pixelsOf(ds.train), [ds.train.count, 784]);
  const y = toY(ds.train.labels, ds.train.count);
  await model.fit(x, y, { epochs, batchSize: 100, shuffle: false, verbose: 0 });
  const predicted = classify(model, pixelsOf(ds.test), ds.test.count);
  const correct = predicted.filter((p, i) => p === ds.test.labels?.[i]).length;
  tf.dispose([x, y]);
  return { model, testAccuracy: correct / ds.test.count };
}

export function classify(model: LayersModel, images: Float32Array, n: number): number[] {
  return tf.tidy(() =>
    Array.from(tf.argMax(model.predict(tf.tensor2d(images, [n, 784])) as ReturnType<typeof tf.zeros>, 1).dataSync()),
  );
}

let shared: ReturnType<typeof trainDigitClassifier> | undefined;

/** One classifier per test file: training it takes a while on 2 cores. */
export function digitClassifier(): ReturnType<typeof trainDigitClassifier> {
  shared ??= trainDigitClassifier();
  return shared;
}
