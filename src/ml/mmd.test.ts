import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { mmd } from './mmd';
import { tf } from './tf';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('the MMD of the Wasserstein auto-encoder', () => {
  for (const kind of ['imq', 'rbf'] as const) {
    it(`(${kind}) is near 0 between two samples of one distribution, and grows as one moves away`, () => {
      const value = (shift: number) =>
        tf.tidy(() => {
          const a = tf.randomNormal([300, 4], 0, 1, 'float32', 1);
          const b = tf.add(tf.randomNormal([300, 4], 0, 1, 'float32', 2), shift);
          return mmd(a, b, kind).dataSync()[0] as number;
        });
      const [same, near, far] = [value(0), value(0.5), value(2)];
      expect(Math.abs(same)).toBeLessThan(0.02 * (kind === 'imq' ? 7 : 1));
      expect(near).toBeGreaterThan(same);
      expect(far).toBeGreaterThan(near);
    });
  }
});
