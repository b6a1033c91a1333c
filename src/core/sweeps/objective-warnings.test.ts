import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { familySpecs } from '../../families/specs';
import { SweepSpec } from '../../shared/sweep';
import { objectiveWarnings } from './plan';

/** Every field a family marks `scalesLoss`, as the sweep form reads them (the JSON schema the renderer is given). */
const marked = Object.values(familySpecs).flatMap((spec) => {
  const json = z.toJSONSchema(spec.modelSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { scalesLoss?: boolean }>;
  };
  const preset = spec.presets[0]?.name;
  return Object.entries(json.properties ?? {}).flatMap(([key, field]) =>
    field.scalesLoss && preset ? [[spec.id, preset, `model.${key}`] as const] : [],
  );
});

describe("the CLI's and the API's loss-scale warning", () => {
  it('finds every field the form finds, in every family', () => {
    expect(marked.length).toBeGreaterThan(15);
    for (const [family, preset, path] of marked) {
      const spec = SweepSpec.parse({
        name: 'w',
        method: 'grid',
        base: preset,
        metric: { name: 'test.loss', goal: 'minimize' },
        parameters: { [path]: { values: [1, 2] } },
      });
      expect(objectiveWarnings(spec), `${family} ${path}`).toHaveLength(1);
    }
    // The training loss, from the contract's own schema.
    const loss = SweepSpec.parse({
      name: 'w',
      method: 'grid',
      base: 'vae-784-400-20',
      metric: { name: 'test.loss', goal: 'minimize' },
      parameters: { 'training.loss': { values: ['bce', 'mse'] } },
    });
    expect(objectiveWarnings(loss)[0]).toMatch(/^test\.loss is defined by Reconstruction loss, .* Judge them by test\.mse/);
  });
});
