/**
 * `latent-studio presets [NAME]`: the presets built into the registered families, or one preset's whole config.
 */
import { findPreset } from '../../core/studio';
import { registeredFamilySpecs } from '../../families/specs';
import { command, UsageError } from '../runner';

export const presets = command({
  name: 'presets',
  flags: { json: { type: 'boolean', default: false } },
  positionals: true,
  localOnly: 'presets are built into latent-studio and are the same everywhere; leave out --remote',
  run({ values, positionals }) {
    // One preset by name: its whole config, ready to edit and train.
    const name = positionals[0];
    if (name !== undefined) {
      const config = findPreset(name);
      if (!config) throw new UsageError(`${name}: no such preset (latent-studio presets)`);
      process.stdout.write(`${JSON.stringify(config, null, values.json ? undefined : 2)}\n`);
      return 0;
    }
    const list = registeredFamilySpecs().flatMap((spec) =>
      spec.presets.map((p) => ({ name: p.name, family: spec.id, description: p.description })),
    );
    if (values.json) process.stdout.write(`${JSON.stringify(list)}\n`);
    else for (const p of list) process.stdout.write(`${p.name.padEnd(32)} ${p.family.padEnd(10)} ${p.description}\n`);
    return 0;
  },
});
