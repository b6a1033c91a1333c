import { describe, expect, it } from 'vitest';
import type { BuiltModel } from '../../families/family-model';
import type { ImageDataset, ImageSplit } from '../../ml/dataset';
import { shapesGenerator } from '../datasets/generators/shapes';
import { disentanglementSteps, scoreDisentanglement } from './disentanglement';

describe('the rows MIG, SAP and DCI read', () => {
  it('plans a step that renders and encodes the drawn images, half as many again for the test, only with a generator', () => {
    const renderer = { generator: shapesGenerator, identity: 0 };
    expect(disentanglementSteps(400, renderer).map((s) => s.step)).toEqual([
      'disentanglement_images',
      'disentanglement',
      'beta_vae_score',
      'factor_vae_score',
    ]);
    expect(disentanglementSteps(400, renderer)[0]?.words).toBe(
      'rendering and encoding 600 images drawn from the Shapes generator',
    );
    // A job queued before the choice, or a set without a generator: the test split, nothing to render.
    expect(disentanglementSteps(null, renderer).map((s) => s.step)).not.toContain('disentanglement_images');
    expect(disentanglementSteps(400, null).map((s) => s.step)).toEqual(['disentanglement']);
  });

  it('without a generator, reads the test split whatever the points ask, and says so', async () => {
    // 90 test images with two grid factors; code 0 follows factor 0, code 1 factor 1, code 2 is noise.
    const n = 90;
    const factors = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) % 3 : Math.floor(i / 6) % 5));
    const codes = Float32Array.from({ length: n * 3 }, (_, i) => {
      const row = Math.floor(i / 3);
      const j = i % 3;
      return j < 2 ? factors[row * 2 + j]! + 0.01 * Math.sin(i) : Math.cos(7 * i);
    });
    const split: ImageSplit = { count: n, labels: null, factors, readBytes: () => undefined };
    const dataset = { name: 'grid', height: 1, width: 1, channels: 1, train: split, test: split, labelNames: null, hash: '' };
    const steps: string[] = [];
    const outcome = await scoreDisentanglement({
      model: {} as BuiltModel,
      family: 'autoencoder',
      dataset: dataset as ImageDataset,
      factorDeclarations: [
        { name: 'a', values: [0, 1, 2], min: 0, max: 2 },
        { name: 'b', values: [0, 1, 2, 3, 4], min: 0, max: 4 },
      ],
      testCodes: { values: codes, dim: 3 },
      seed: 0,
      scorePoints: 10,
      points: 400,
      renderer: null,
      begin: (s) => steps.push(s),
      lap: () => undefined,
    });
    expect(steps).toEqual(['disentanglement']);
    expect(outcome.details).toMatchObject({ drawn: false, images: n, splitRows: { train: 60, test: 30 } });
    expect(outcome.settings['rows']).toEqual({ testSplit: n, mig: n, train: 60, test: 30 });
    // Codes that are the factors: each factor's top code carries all of its entropy (the runner-up, on 90 rows, the
    // plug-in estimate's bias).
    expect(outcome.figures['mig']).toBeGreaterThan(0.5);
  });
});
