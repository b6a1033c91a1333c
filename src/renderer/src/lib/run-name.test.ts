import { describe, expect, it } from 'vitest';
import { memberRunName, sweepRunName } from '../../../shared/sweep';
import { nameBeside, runNameParts } from './run-name';

describe("a run's name where runs are listed", () => {
  it("puts a sweep run's own parameters first and its experiment after them", () => {
    const name = sweepRunName('β sweep', { 'model.beta': 4, 'training.seed': 2 });
    expect(runNameParts(name, 'β sweep')).toEqual({ own: 'beta=4 seed=2', experiment: 'β sweep' });
  });

  it("finds a study run's own part where its experiment's name was cut to fit", () => {
    const study = `disentanglement study ${'x'.repeat(100)}`;
    const name = memberRunName(study, 'β-VAE β=4 seed=1');
    expect(runNameParts(name, study)).toEqual({ own: 'β-VAE β=4 seed=1', experiment: study });
    expect(runNameParts(name, 'another study')).toEqual({ own: name, experiment: null });
  });

  it('leaves any other name whole: another experiment, a name that is only the prefix, a renamed run', () => {
    expect(runNameParts('deep AE 6k', 'default')).toEqual({ own: 'deep AE 6k', experiment: null });
    expect(runNameParts('β sweep · ', 'β sweep')).toEqual({ own: 'β sweep · ', experiment: null });
    expect(runNameParts('β sweep · beta=4', 'other')).toEqual({ own: 'β sweep · beta=4', experiment: null });
    expect(runNameParts('x', '')).toEqual({ own: 'x', experiment: null });
  });
});

describe('a run’s name beside a label that says one of its parameters', () => {
  it('leaves that parameter out, and keeps a name that is nothing else', () => {
    expect(nameBeside('tpe · beta=9.43 learningRate=0.0126', 'beta=9.43')).toBe('tpe · learningRate=0.0126');
    expect(nameBeside('beta=9.43 learningRate=0.0126', 'beta=9.43')).toBe('learningRate=0.0126');
    expect(nameBeside('sweep · beta=9.43', 'beta=9.43')).toBe('sweep · beta=9.43');
    expect(nameBeside('beta=9.431 run', 'beta=9.43')).toBe('beta=9.431 run');
    expect(nameBeside('run a', null)).toBe('run a');
  });
});
