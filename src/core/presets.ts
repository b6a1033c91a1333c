import type { RunConfig } from '../shared/config';
import { defaultRunConfig } from '../families/run-config';
import { registeredFamilySpecs } from '../families/specs';

/** Every registered family's presets' names. */
export function presetNames(): string[] {
  return registeredFamilySpecs().flatMap((spec) => spec.presets.map((p) => p.name));
}

/** A preset's run config by name (any registered family's), or undefined. */
export function findPreset(name: string): RunConfig | undefined {
  for (const spec of registeredFamilySpecs()) {
    const preset = spec.presets.find((p) => p.name === name);
    // The preset belongs to this family, so its model fits that family's config.
    if (preset) {
      const config = defaultRunConfig(spec.id);
      return {
        ...config,
        name: preset.name,
        model: structuredClone(preset.model),
        training: { ...config.training, ...preset.training },
      } as RunConfig;
    }
  }
  return undefined;
}
