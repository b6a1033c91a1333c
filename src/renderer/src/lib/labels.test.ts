/** The labels issue 24 found wrong, each read as the studio now writes it (every one failed on the old text). */
import { describe, expect, it } from 'vitest';
import { DatasetRef } from '../../../shared/config';
import { vqVaeSpec } from '../../../families/vq-vae/spec';
import { selectionLabelNames } from '../../../shared/datasets';
import { defaultCheckpointText, evaluationSubject, logBars, probesLeftOut, type SubjectSet } from './evaluation';
import { metricLabel, panelName } from './metrics';
import { formFields } from './schema-form';

describe('labels that were wrong', () => {
  it('the Evaluation header counts the test images the run uses, not the whole split', () => {
    // It said "10,000 images" while the results were of the run's 1,000.
    const sets: Record<string, SubjectSet> = {
      mnist: { name: 'mnist', testCount: 10_000, labelNames: null },
      'fashion-mnist': {
        name: 'fashion-mnist',
        testCount: 10_000,
        labelNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
      },
      'faces-a': { name: 'faces-a', testCount: 400, labelNames: null },
      'faces-b': { name: 'faces-b', testCount: 400, labelNames: null },
    };
    const find = (name: string) => sets[name];
    expect(evaluationSubject({ name: 'mnist', testSubset: 1000 }, find)).toBe(
      'the latent space of a checkpoint, judged on the test split of mnist (1,000 images of 10,000)',
    );
    expect(evaluationSubject({ name: 'mnist' }, find)).toContain('(10,000 images)');
    // A generated set: its disentanglement reads images its generator draws, not the test split.
    const shapes: SubjectSet = { name: 'shapes', testCount: 2000, labelNames: null, kind: 'generated' };
    expect(evaluationSubject({ name: 'shapes' }, () => shapes)).toBe(
      'the latent space of a checkpoint, judged on the test split of shapes (2,000 images); disentanglement on images drawn afresh from its generator',
    );
    // A run on chosen classes sees only theirs (it said "10,000 images" for a run on two classes).
    expect(evaluationSubject({ name: 'fashion-mnist', classes: [5, 7], testSubset: 500 }, find)).toBe(
      'the latent space of a checkpoint, judged on the test split of fashion-mnist, its classes Sandal, Sneaker only, the first 500 at most',
    );
    // A pair of sets: the subset is split evenly between them.
    expect(evaluationSubject({ name: 'faces-a', second: 'faces-b', testSubset: 100 }, find)).toBe(
      'the latent space of a checkpoint, judged on the test splits of faces-a and faces-b (50 + 50 images)',
    );
  });

  it('the checkpoint menu names the default the studio uses, the best where a run keeps it', () => {
    expect(defaultCheckpointText({ epoch: 38, bestBy: 'loss' }, 50)).toBe('best by test loss (epoch 38)');
    expect(defaultCheckpointText({ epoch: 50, bestBy: null }, 50)).toBe('newest (epoch 50)');
    expect(defaultCheckpointText(undefined, 50)).toBe('newest (epoch 50)');
    // Every file gone or cut short: it says so, rather than name an epoch that would be refused.
    expect(defaultCheckpointText(null, 50)).toBe('newest (no checkpoint file is usable)');
  });

  it("the confusion matrix names a run's classes as the run numbers them", () => {
    // Chosen classes are renumbered 0, 1, … in the order chosen; a pair's labels are its two sets.
    const names = ['zero', 'one', 'two', 'three'];
    expect(selectionLabelNames({ name: 'x', classes: [3, 1] }, names)).toEqual(['three', 'one']);
    expect(selectionLabelNames({ name: 'x', classes: [3, 1] }, null)).toEqual(['3', '1']);
    expect(selectionLabelNames({ name: 'a', second: 'b' }, names)).toEqual(['a', 'b']);
    expect(selectionLabelNames({ name: 'x' }, names)).toEqual(names);
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

describe('the active-units chart', () => {
  it('labels its log axis at whole decades that are where they stand', () => {
    // The smallest variance 3e-5: the axis ran from 10^-4.52 but was labelled 10^-5.
    const bars = logBars([3e-5, 0.2, 4], 0.01);
    expect(bars).toMatchObject({ lo: -5, hi: 1 });
    expect(bars?.at(-5)).toBe(0);
    expect(bars?.at(1)).toBe(1);
    expect(bars?.threshold).toBeCloseTo(0.5);
    expect(logBars([], 0.01)).toBeNull();
  });
});

describe('the linear probes', () => {
  it('say which labelled budgets they left out, and why', () => {
    // They were dropped without a word when a class had fewer training images than the budget.
    expect(probesLeftOut({ probe: { leftOut: [1000], smallestClass: 108 } })).toBe(
      'Left out: 1,000 per class, as the smallest class has 108 training images.',
    );
    expect(probesLeftOut({ probe: { leftOut: [100, 1000], smallestClass: 40 } })).toBe(
      'Left out: 100 and 1,000 per class, as the smallest class has 40 training images.',
    );
    expect(probesLeftOut({ probe: { leftOut: [], smallestClass: 5000 } })).toBeNull();
    expect(probesLeftOut({})).toBeNull();
  });
});
