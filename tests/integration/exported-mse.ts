import { fillBatch, type ImageSplit } from '../../src/ml/dataset';
import { tf, type LayersModel, type Tensor } from '../../src/ml/tf';

/**
 * The test MSE of an exported encoder and decoder, loaded as any tfjs program loads them: every image of the
 * split through `predict`, the squared errors summed in float64 (a float32 running sum over hundreds of thousands
 * of values drifts by more than the tests' tolerance).
 */
export function exportedMse(encoder: LayersModel, decoder: LayersModel, test: ImageSplit, pixels = 784): number {
  const x = new Float32Array(test.count * pixels);
  fillBatch(
    test,
    pixels,
    Array.from({ length: test.count }, (_, i) => i),
    x,
  );
  const recon = tf.tidy(() => {
    const input = tf.tensor2d(x, [test.count, pixels]);
    return (decoder.predict(encoder.predict(input) as Tensor) as Tensor).dataSync() as Float32Array;
  });
  let sum = 0;
  recon.forEach((r, i) => (sum += (r - (x[i] as number)) ** 2));
  return sum / recon.length;
}
