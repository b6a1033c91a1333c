/** The labels issue 24 found wrong, each read as the studio now writes it (every one failed on the old text). */
import { describe, expect, it } from 'vitest';
import { DatasetRef } from '../../../shared/config';
import { vqVaeSpec } from '../../../families/vq-vae/spec';
import { evaluationSubject } from './evaluation';
import { metricLabel, panelName } from './metrics';
import { formFields } from './schema-form';

describe('labels that were wrong', () => {
  it('the Evaluation header counts the test images the run uses, not the whole split', () => {
    // It said "10,000 images" while the results were of the run's 1,000.
    expect(evaluationSubject({ name: 'mnist', testCount: 10_000 }, 1000)).toBe(
      'the latent space of a checkpoint, judged on the test split of mnist (1,000 images of 10,000)',
    );
    expect(evaluationSubject({ name: 'mnist', testCount: 10_000 }, undefined)).toContain('(10,000 images)');
  });

  it('the Classes field shows an example of classes, not of layer widths', () => {
    // It read "e.g. 7, 7, 64", the generic list example.
    const classes = formFields(DatasetRef).find((f) => f.key === 'classes');
    expect(classes?.schema.placeholder).toBe('e.g. 3, 8');
  });

  it("the VQ-VAE's code usage says it is per test batch, beside the histogram's count over the test set", () => {
    const usage = vqVaeSpec.metrics.find((m) => m.name === 'codebook_usage');
    expect(usage && metricLabel(usage)).toBe('codes in use per test batch');
  });

  it('the prior panel points to a panel that exists, under its own title', () => {
    // It pointed to a "PixelCNN samples" panel, which no view has.
    const name = panelName(vqVaeSpec.views, 'pixelcnn-samples');
    expect(name).toBe('Learned prior (PixelCNN)');
    expect(vqVaeSpec.views.some((v) => v.title.startsWith(`${name}:`))).toBe(true);
  });
});
