import { expect } from 'vitest';
import { inTraining } from '../ml/mode';
import { tf } from '../ml/tf';
import type { BuiltModel } from './family-model';

/**
 * For a family whose codebook follows EMAs in `afterStep`: builds it twice from the same seed, runs one training
 * forward pass alone on one and followed by the EMA update on the other, and checks that the update took the pass's
 * own encodings (the encoder's batch norm moved its statistics once, not twice) and moved the codebook.
 */
export function expectEmaFromTheStepsOwnPass(build: () => BuiltModel): void {
  const x = tf.randomUniform([16, 784], 0, 1, 'float32', 5);
  const moving = (built: BuiltModel) =>
    built
      .weights()
      .filter((w) => w.name.includes('moving'))
      .map((w) => Array.from(w.read().dataSync()));
  const codebook = (built: BuiltModel) =>
    Array.from(
      built
        .weights()
        .find((w) => w.name === 'codebook')
        ?.read()
        .dataSync() ?? [],
    );
  const [alone, withUpdate] = [build(), build()];
  tf.tidy(() => inTraining(1, () => alone.computeLoss(x, true).total));
  tf.tidy(() =>
    inTraining(1, () => {
      const loss = withUpdate.computeLoss(x, true).total;
      withUpdate.afterStep?.(x);
      return loss;
    }),
  );
  expect(moving(alone)).toHaveLength(2);
  expect(moving(withUpdate)).toEqual(moving(alone));
  expect(codebook(alone)).not.toHaveLength(0);
  expect(codebook(withUpdate)).not.toEqual(codebook(alone));
  alone.dispose();
  withUpdate.dispose();
  x.dispose();
}
