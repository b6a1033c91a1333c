import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src/shared/api';
import { openTestStudio, presetOnMnist, tempDir } from './helpers';
import { WorkerGate } from './worker-gate';

/**
 * The second zoo's families whose state is more than their trained weights: the RQ-VAE's EMA codebooks and their
 * restarts, FSQ's running moments, the VampPrior's pseudo-inputs (trained by the run's optimizer) and the VQ-VAE's
 * EMA sums. A run killed mid-epoch and resumed from its checkpoint ends with the uninterrupted run's curve, exactly.
 */
const presets = ['rq-vae-mlp', 'fsq-mlp-64', 'vamp-vae-k100', 'vq-vae-mlp-ema'];

/** 600 images in batches of 50: 12 steps an epoch, 3 epochs, a checkpoint after each. */
const config = (name: string) => presetOnMnist(name, { trainSubset: 600, testSubset: 100, epochs: 3, batchSize: 50, seed: 9 });

const curve = (points: MetricPoint[]) => points.map((p) => `${p.split}/${p.name}/${p.step}/${p.epoch}=${p.value}`).sort();

describe('the stateful families of the second zoo resume exactly', () => {
  it.each(presets)('%s killed in its second epoch and resumed ends with the uninterrupted curve', async (name) => {
    const tmp = tempDir();
    const gate = new WorkerGate(tmp.dir);
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    try {
      gate.open();
      const reference = (await studio.api['runs.start']({ config: config(name) })).runId;
      await studio.orchestrator.whenEnded(reference);
      expect((await studio.api['runs.get']({ runId: reference })).status).toBe('completed');
      const expected = curve(await studio.api['runs.metrics']({ runId: reference }));

      // Held after step 18 (epoch 2 of 3, its first epoch checkpointed), killed there, resumed from epoch 1.
      gate.holdAt(18);
      const { runId } = await studio.api['runs.start']({ config: config(name) });
      const held = await gate.held(18);
      process.kill(held.pid, 'SIGKILL');
      await studio.orchestrator.whenEnded(runId);
      expect((await studio.api['runs.get']({ runId })).status).toBe('interrupted');
      gate.open();
      await studio.api['runs.resume']({ runId });
      await studio.orchestrator.whenEnded(runId);
      const run = await studio.api['runs.get']({ runId });
      expect([run.status, run.interruptions.map((i) => i.resumedFromEpoch)]).toEqual(['completed', [1]]);
      expect(curve(await studio.api['runs.metrics']({ runId }))).toEqual(expected);
    } finally {
      await studio.close();
      gate.remove();
      tmp.cleanup();
    }
  });
});
