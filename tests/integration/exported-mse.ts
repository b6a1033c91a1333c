import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
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

/** Serves a folder over HTTP, as a web page would fetch an exported model. */
export async function serve(dir: string): Promise<{ base: string; server: Server }> {
  const server = createServer((req, res) => {
    const file = join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (relative(dir, file).startsWith('..') || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
