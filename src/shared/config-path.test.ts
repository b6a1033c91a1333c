import { describe, expect, it } from 'vitest';
import { getConfigPath, parseCliValue, parseConfigPath, setConfigPath } from './config-path';
import { defaultRunConfig, parseRunConfig } from '../families/run-config';

describe('config paths', () => {
  it('parse fields and list items', () => {
    expect(parseConfigPath('model.encoder[0].units')).toEqual(['model', 'encoder', 0, 'units']);
    expect(() => parseConfigPath('model..beta')).toThrow(/model\.\.beta: not a config path/);
    expect(() => parseConfigPath('__proto__[')).toThrow(/not a config path/);
    expect(() => parseConfigPath('model.__proto__.polluted')).toThrow(/not a config field/);
  });

  it('set values parsed as JSON where they parse, and the schema names what it refuses', () => {
    const c = defaultRunConfig('vae');
    setConfigPath(c, 'model.beta', parseCliValue('8'));
    setConfigPath(c, 'dataset.name', parseCliValue('shapes'));
    setConfigPath(c, 'model.encoder[0].units', parseCliValue('64'));
    expect([
      getConfigPath(c, 'model.beta'),
      getConfigPath(c, 'dataset.name'),
      getConfigPath(c, 'model.encoder[0].units'),
    ]).toEqual([8, 'shapes', 64]);
    expect(parseRunConfig(c).ok).toBe(true);
    expect(() => setConfigPath(c, 'model.encoder[9].units', 1)).toThrow(/model\.encoder\[9\]: no such list item/);
    // A name on a list would be dropped by the schema, the run trained as if it were not given.
    expect(() => setConfigPath(c, 'model.encoder.units', 3)).toThrow(
      'model.encoder.units: model.encoder is a list: name an item as model.encoder[0].units',
    );
    expect(() => setConfigPath(c, 'model.encoder.length', 0)).toThrow(/model\.encoder\.length: model\.encoder is a list/);
    expect(getConfigPath(c, 'model.encoder[0].units')).toBe(64);
    setConfigPath(c, 'model.betta', 2);
    const refused = parseRunConfig(c);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.issues.map((i) => `${i.path}: ${i.message}`).join()).toMatch(/model.*betta/);
  });
});
