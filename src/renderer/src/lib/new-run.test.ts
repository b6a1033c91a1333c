import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../../families/run-config';
import { checkDraft, type Draft } from './new-run';

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
