import { loadMnist } from '../../src/core/datasets/mnist';
import { selectBackend } from '../../src/core/training/backend';
import { tf, tfl, type LayersModel } from '../../src/core/training/tf';

/** An MLP digit classifier trained in the test process on real MNIST, to judge generated digits. */
export async function trainDigitClassifier(trainImages = 10000): Promise<{ model: LayersModel; testAccuracy: number }> {
  await selectBackend('wasm');
  const ds = loadMnist({ name: 'mnist', trainSubset: trainImages, testSubset: 2000 });
  const toX = (images: Uint8Array, n: number) => tf.div(tf.tensor2d(images.subarray(0, n * 784), [n, 784], 'float32'), 255);
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
  const x = toX(ds.train.images, ds.train.count);
  const y = toY(ds.train.labels, ds.train.count);
  await model.fit(x, y, { epochs: 3, batchSize: 100, shuffle: false, verbose: 0 });
  const predicted = classify(
    model,
    Float32Array.from(ds.test.images, (v) => v / 255),
    ds.test.count,
  );
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
