import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { useFamilyModule } from '../../src/families/family-modules';
import { type RunConfig } from '../../src/shared/config';
import { parseRunConfig } from '../../src/families/run-config';
import { mnistConfig, tempDir, withTestStudio } from './helpers';
import { latestOf } from './latest';

// A family from one folder and its registry lines, registered here and (through LATENT_STUDIO_FAMILY_MODULES,
// which the forked workers inherit) in every worker: nothing else in the studio knows it.
await useFamilyModule(join(import.meta.dirname, 'fixture-family', 'index.ts'));

let studio: Studio;
withTestStudio((opened) => (studio = opened));

function tiedAe(): RunConfig {
  const c = mnistConfig({ trainSubset: 3000, testSubset: 500, epochs: 2 });
  c.training.learningRate = 0.01;
  return { ...c, family: 'tied-ae-fixture', model: { codeSize: 16 } } as unknown as RunConfig;
}

describe('a family written as a test fixture', () => {
  it('is listed with its declarations, and its configs pass the same checks as a built-in’s', async () => {
    const info = (await studio.api['families.list']({})).find((f) => f.id === 'tied-ae-fixture');
    expect(info?.metrics.map((m) => m.name)).toEqual(['dead_units', 'code_mean']);
    expect(info?.views.map((v) => [v.kind, v.view])).toEqual([
      ['tied-filters', 'image-grid'],
      ['code-means', 'bars'],
    ]);
    expect(parseRunConfig(tiedAe()).ok).toBe(true);
    const bad = parseRunConfig({ ...tiedAe(), model: { codeSize: 0 } });
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(['model.codeSize']);
  });

  it('trains through the real worker, stores its declared metrics and draws its declared view', async () => {
    const { runId } = await studio.api['runs.start']({ config: tiedAe() });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    expect(run.family).toBe('tied-ae-fixture');

    // Its declared headline metric, from its own testMetrics hook, once per epoch; and one mean per code unit.
    const metrics = await studio.api['runs.metrics']({ runId });
    const dead = metrics.filter((m) => m.split === 'test' && m.name === 'dead_units');
    expect(dead.map((m) => m.epoch)).toEqual([1, 2]);
    expect(latestOf(run, 'test', 'dead_units')).toBeGreaterThanOrEqual(0);
    expect(latestOf(run, 'test', 'dead_units')).toBeLessThan(16);
    const perUnit = run.latest.filter((m) => m.split === 'test' && m.name.startsWith('code_mean_'));
    expect(perUnit).toHaveLength(16);
    expect(perUnit.some((m) => m.value > 0)).toBe(true);
    console.log(
      `tied AE: test MSE ${latestOf(run, 'test', 'mse').toFixed(4)} vs mean-image baseline ${latestOf(run, 'test', 'baseline_mse').toFixed(4)}, ` +
        `${latestOf(run, 'test', 'dead_units')} dead code units of 16`,
    );
    // It learned something: better than the mean image.
    expect(latestOf(run, 'test', 'mse')).toBeLessThan(latestOf(run, 'test', 'baseline_mse'));

    // Its declared view, drawn each epoch, beside the reconstructions every family gets.
    const artifacts = await studio.api['artifacts.list']({ runId });
    const filters = artifacts.filter((a) => a.kind === 'tied-filters');
    expect(filters.map((a) => a.epoch)).toEqual([1, 2]);
    expect(filters[0]?.mime).toBe('image/png');
    expect(new Set(artifacts.map((a) => a.kind))).toEqual(new Set(['reconstructions', 'tied-filters']));

    // Its export worker knows it too (it declares no layers models, which is what export says).
    const tmp = tempDir();
    try {
      await expect(studio.exportRun(runId, join(tmp.dir, 'export'))).rejects.toThrow(
        'the tied-ae-fixture family has no layers models to export',
      );
    } finally {
      tmp.cleanup();
    }
  });
});
