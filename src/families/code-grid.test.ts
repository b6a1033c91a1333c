import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { familyModels } from './models';
import { defaultRunConfig } from './run-config';
import { familySpecs } from './specs';

/** Every family's preset (and default) whose spec says what code grid its learned prior models. */
const cases = Object.entries(familySpecs).flatMap(([id, spec]) =>
  'codeGrid' in spec
    ? [
        { name: `${id} default`, id, model: spec.defaultModel },
        ...spec.presets.map((p) => ({ name: p.name, id, model: p.model })),
      ]
    : [],
);

/** The prior's memory is checked from the spec's grid before a job starts: it must be the grid the model gives. */
describe('a code grid from the config alone', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('has a case for each family a learned prior models', () => {
    expect(new Set(cases.map((c) => c.id))).toEqual(new Set(['vq-vae', 'fsq', 'rq-vae']));
  });

  it.each(cases)('$name: is the built model’s', ({ id, model }) => {
    const spec = familySpecs[id as keyof typeof familySpecs] as { codeGrid?: (m: unknown) => object };
    const built = familyModels[id as keyof typeof familyModels].build({
      model: model as never,
      training: defaultRunConfig(id).training,
      inputShape: [28, 28, 1],
      seed: 1,
      classes: 10,
    });
    const grid = built.codeGrid!;
    expect(spec.codeGrid?.(model)).toEqual({
      grid: grid.grid,
      codebookSize: grid.codebookSize,
      ...(grid.codebooks !== undefined ? { codebooks: grid.codebooks } : {}),
    });
    built.dispose();
  });
});
