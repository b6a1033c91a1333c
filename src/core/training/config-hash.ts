import { createHash } from 'node:crypto';
import type { RunConfig } from '../../shared/config';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** sha256 of the config with sorted keys, leaving out the labels (name, experiment) that do not change training. */
export function configHash(config: RunConfig): string {
  const { name: _name, experiment: _experiment, ...rest } = config;
  return createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex');
}
