/**
 * Config paths, the one vocabulary of the form, the CLI's `--set`, sweeps and error messages:
 * `model.beta`, `dataset.trainSubset`, `model.encoder[0].units`.
 */
export type PathKey = string | number;

export class ConfigPathError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ConfigPathError';
  }
}

export function parseConfigPath(path: string): PathKey[] {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*|\[\d+\])*$/.test(path)) {
    throw new ConfigPathError(
      path,
      'not a config path (write fields with dots and list items as [i], e.g. model.encoder[0].units)',
    );
  }
  const keys = [...path.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  // JavaScript's own keys would reach objects' prototypes, not config fields.
  if (keys.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) {
    throw new ConfigPathError(path, 'not a config field');
  }
  return keys;
}

/** A value given on the command line: JSON where it parses (numbers, true, [..], {..}), else the string itself. */
export function parseCliValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Sets `path` in a config object, creating objects on the way; a list item must exist. The result is
 * then checked like any config, so an unknown field is refused by the schema, naming it.
 */
export function setConfigPath(config: unknown, path: string, value: unknown): void {
  const keys = parseConfigPath(path);
  let node = config as Record<PathKey, unknown>;
  keys.forEach((key, i) => {
    const where = keys.slice(0, i + 1).reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${k}` : k), '');
    if (node === null || typeof node !== 'object') throw new ConfigPathError(where, 'its parent is not an object or a list');
    if (typeof key === 'number' && (!Array.isArray(node) || key >= node.length)) {
      throw new ConfigPathError(where, 'no such list item');
    }
    // A list's own properties (length) or a name on it would be kept as no config field: refused, not dropped.
    if (typeof key === 'string' && Array.isArray(node)) {
      const list = where.slice(0, where.length - key.length - 1);
      throw new ConfigPathError(where, `${list} is a list: name an item as ${list}[0].${key}`);
    }
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    if (node[key] === undefined) node[key] = typeof keys[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<PathKey, unknown>;
  });
}

export function getConfigPath(config: unknown, path: string): unknown {
  let node = config as Record<PathKey, unknown> | undefined;
  for (const key of parseConfigPath(path)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key] as Record<PathKey, unknown> | undefined;
  }
  return node;
}
