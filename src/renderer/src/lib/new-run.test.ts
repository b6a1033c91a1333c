import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../../families/run-config';
import type { FamilyInfo } from '../../../shared/api';
import { familySpec } from '../../../families/specs';
import { checkDraft, loadedDraft, modelShapes, type Draft } from './new-run';

const mnist = {
  name: 'mnist',
  height: 28,
  width: 28,
  channels: 1,
  trainCount: 60000,
  testCount: 10000,
  classes: 10,
  available: true,
  hint: null,
};
const lookup = (name: string) => (name === 'mnist' ? mnist : undefined);

describe('the new-run form’s checks', () => {
  it('checks a family this renderer has the code of whole, model included', () => {
    const draft = defaultRunConfig('vae') as unknown as Draft;
    expect(checkDraft(draft, lookup, undefined).ok).toBe(true);
    draft.model['latentSize'] = 0;
    const r = checkDraft(draft, lookup, undefined);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain('model.latentSize');
  });

  it('checks the data and training of a family only the studio knows, and leaves its model to the studio', () => {
    const draft: Draft = { ...(defaultRunConfig('autoencoder') as unknown as Draft), family: 'plug-in', model: { anything: -1 } };
    expect(checkDraft(draft, lookup, undefined)).toMatchObject({ ok: true });
    const bad = { ...draft, training: { ...(draft['training'] as object), epochs: 0 }, dataset: { name: 'nowhere' } };
    const r = checkDraft(bad, lookup, undefined);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['training.epochs']);
    const unknownSet = checkDraft({ ...draft, dataset: { name: 'nowhere' } }, lookup, undefined);
    expect(unknownSet.ok ? [] : unknownSet.issues).toEqual([{ path: 'dataset.name', message: 'no data set named nowhere' }]);
  });
});

describe('the composer’s shapes', () => {
  it('shows a valid model’s shapes, and for a refused one what to fix instead of shapes of no model', () => {
    const model = (defaultRunConfig('vae') as unknown as Draft).model;
    const ok = modelShapes(familySpec('vae'), [28, 28, 1], model, 10);
    expect(ok.error).toBeNull();
    expect(ok.shapes?.codeSize).toBe(model['latentSize']);
    const refused = modelShapes(familySpec('vae'), [28, 28, 1], { ...model, latentSize: 2.5 }, 10);
    expect(refused.shapes).toBeNull();
    expect(refused.error).toBe('shapes follow once model.latentSize is fixed: must be a whole number (not 2.5)');
  });
});

describe('a loaded config file', () => {
  const ae = defaultRunConfig('autoencoder') as unknown as Record<string, unknown>;
  const info = { id: 'autoencoder', defaultConfig: ae } as unknown as FamilyInfo;
  const familyOf = (id: string) => (id === 'autoencoder' ? info : undefined);

  it('takes the file as it is, and only the sections it lacks whole from the family', () => {
    const file = { family: 'autoencoder', name: 'mine', dataset: { name: 'mnist' }, training: { epochs: 3 } };
    const loaded = loadedDraft(file, familyOf, ['autoencoder']);
    if ('error' in loaded) throw new Error(loaded.error);
    const { draft } = loaded;
    expect(draft['name']).toBe('mine');
    // All of MNIST stays all of it (no trainSubset added); a section missing fields is the form's to name.
    expect(draft['dataset']).toEqual({ name: 'mnist' });
    expect(draft['training']).toEqual({ epochs: 3 });
    expect(draft.model).toEqual(ae['model']);
    const r = checkDraft(draft, lookup, undefined);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain('training.batchSize');
    const whole = loadedDraft({ ...ae, name: 'saved' }, familyOf, ['autoencoder']);
    expect('draft' in whole && checkDraft(whole.draft, lookup, undefined).ok).toBe(true);
  });

  it('refuses what is not a config of a known family, naming the field', () => {
    expect(loadedDraft([1, 2], familyOf, ['autoencoder'])).toEqual({
      error: 'not a run config (a JSON object with its family, model, dataset and training)',
    });
    expect(loadedDraft({ training: {} }, familyOf, ['autoencoder'])).toEqual({ error: 'family: missing (one of autoencoder)' });
    expect(loadedDraft({ family: 'vea' }, familyOf, ['autoencoder'])).toEqual({
      error: 'family: no family named "vea" (one of autoencoder)',
    });
  });
});
