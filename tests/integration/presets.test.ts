import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { findPreset, type Studio } from '../../src/core/studio';
import { familyIds, familySpecs } from '../../src/families/specs';
import { withTestStudio } from './helpers';
import { latestOf } from './latest';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

const presets = familyIds.flatMap((id) => familySpecs[id].presets.map((p) => [id, p.name] as const));

describe('every preset of every family', () => {
  it('covers all of them: every family has a preset', () => {
    expect(familyIds.filter((id) => familySpecs[id].presets.length === 0)).toEqual([]);
  });

  it('carries the training settings a preset is scaled to, through presets.get and the families the form reads', async () => {
    // WAE-MMD's λ weighs the MMD against the squared error; InfoVAE's against a likelihood, BCE.
    expect(findPreset('wae-mmd-mnist')?.training.loss).toBe('mse');
    expect(findPreset('infovae-mmd')?.training.loss).toBe('bce');
    expect((await studio.api['presets.get']({ name: 'infovae-mmd' })).training).toMatchObject({ loss: 'bce', batchSize: 128 });
    const families = await studio.api['families.list']({});
    const wae = families.find((f) => f.id === 'wae-mmd');
    expect(wae?.presets.map((p) => [p.name, p.training])).toEqual([
      ['wae-mmd-mnist', { loss: 'mse' }],
      ['infovae-mmd', { loss: 'bce' }],
    ]);
    expect(wae?.defaultTraining).toMatchObject({ loss: 'mse' });
  });

  it.each(presets)('%s preset %s trains one epoch through the worker, and its views render', async (family, name) => {
    const config = findPreset(name);
    if (!config) throw new Error(`no preset ${name}`);
    config.backend = 'wasm';
    config.dataset = { ...config.dataset, trainSubset: 128, testSubset: 128 };
    // One short epoch of each phase: a batch no larger than the 128 images, one epoch of any pretraining.
    config.training = { ...config.training, epochs: 1, batchSize: Math.min(config.training.batchSize, 128) };
    if ('pretrainEpochs' in config.model) config.model.pretrainEpochs = 1;
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect([run.status, run.error]).toEqual(['completed', null]);
    expect(run.family).toBe(family);
    expect(Number.isFinite(latestOf(run, 'test', 'loss'))).toBe(true);

    // Every view the family drew decodes: images as PNGs of their stated size, charts as data with points.
    const artifacts = await studio.api['artifacts.list']({ runId });
    expect(artifacts.length).toBeGreaterThan(0);
    for (const a of artifacts) {
      const { mime, data: bytes } = studio.artifact(a.id)!;
      if (mime === 'image/png') {
        const meta = await sharp(bytes).metadata();
        expect([a.kind, meta.width, meta.height]).toEqual([a.kind, a.width, a.height]);
      } else {
        expect(mime, a.kind).toBe('application/json');
        // A scatter's points or a histogram's bins, some of them there.
        const chart = JSON.parse(bytes.toString('utf8')) as {
          chart: string;
          points?: unknown[];
          bins?: { count: number }[];
          axis?: string;
        };
        if (chart.chart === 'scatter') expect(chart.points?.length, a.kind).toBeGreaterThan(0);
        else {
          expect(chart.chart, a.kind).toBe('histogram');
          // What its bins count along, the x axis's title: "|code activation|", "code (codebook index)".
          expect(chart.axis, a.kind).toMatch(/\w/);
          expect(
            chart.bins?.reduce((n, b) => n + b.count, 0),
            a.kind,
          ).toBeGreaterThan(0);
        }
      }
    }
  });
});
