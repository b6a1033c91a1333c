/**
 * The deepfake and the stacked AE have codes now (issue 22): one per image, from the shared encoder and from the
 * top of the stack. Evaluations and the explorer take them instead of refusing.
 */
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import type { Studio } from '../../src/core/studio';
import { defaultRunConfig } from '../../src/families/run-config';
import type { RunConfig } from '../../src/shared/config';
import type { ExplorerInfo } from '../../src/shared/explorer';
import { runsTableCsv } from '../../src/shared/runs-table';
import { withTestStudio } from './helpers';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

const dense = (units: number) => ({ type: 'dense' as const, units, activation: 'relu' as const });

function tiny(family: 'stacked-ae' | 'deepfake'): RunConfig {
  const config = defaultRunConfig(family);
  config.backend = 'wasm';
  config.dataset = { ...config.dataset, trainSubset: 600, testSubset: 300 };
  config.training = { ...config.training, epochs: 1, batchSize: 50, seed: 2 };
  if (config.family === 'stacked-ae') config.model = { ...config.model, widths: [64, 6], pretrainEpochs: 1 };
  if (config.family === 'deepfake') config.model = { ...config.model, encoder: [dense(64)], latentSize: 6, decoder: [dense(64)] };
  return config;
}

describe('the deepfake and the stacked AE give one code per image', () => {
  it('their runs are evaluated and explored instead of refused', async () => {
    const runs = await Promise.all([tiny('stacked-ae'), tiny('deepfake')].map((config) => studio.api['runs.start']({ config })));
    await Promise.all(runs.map(({ runId }) => studio.orchestrator.whenEnded(runId)));
    for (const { runId } of runs) {
      const run = await studio.api['runs.get']({ runId });
      expect(run.status, run.error ?? '').toBe('completed');
      const { evaluationId } = await studio.api['evaluations.start']({ runId, what: ['clustering', 'probe'], seed: 0 });
      await studio.evaluations.whenEnded(evaluationId);
      const evaluation = studio.evaluations.get(evaluationId);
      expect(evaluation?.status, `${run.family}: ${evaluation?.error ?? ''}`).toBe('completed');
      // Codes of 300 test images, clustered: an accuracy above chance for the labels the data set has.
      expect(evaluation?.figures['kmeans_acc']).toBeGreaterThan(run.family === 'deepfake' ? 0.5 : 0.1);
      const opened = await dispatch(studio.api, 'explorer.open', { runId });
      if (!opened.ok) throw new Error(`${run.family}: ${opened.error.message}`);
      expect((opened.value as ExplorerInfo).latentSize).toBe(6);
    }
    // Two families in one table: the family is its own column, once (it was also listed as a differing field).
    const table = await studio.api['runs.table']({ runIds: runs.map((r) => r.runId) });
    expect(table.fields).not.toContain('family');
    expect(
      runsTableCsv(table)
        .split('\n')[0]
        ?.split(',')
        .filter((c) => c === 'family'),
    ).toHaveLength(1);
  });
});
