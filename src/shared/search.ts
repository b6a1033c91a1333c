/**
 * The studio's search, one grammar for the sidebar, the runs table and the CLI. Words are separated by spaces
 * (quote a phrase: "two words"); every word must match:
 *
 *   word                 in the name, a tag, the notes, the family or the experiment (any case)
 *   tag:baseline         a tag, exactly
 *   is:starred           starred ones
 *   status:completed     by status
 *   model.beta=4         a config value: numbers compare as numbers, other values as text (any case)
 *   beta=4               the same, for any config path that ends in `.beta`
 *   model.beta>=4        also != > < >= <=, for numbers
 */
import type { Labels } from './labels';
import { closestName } from './suggest';

export type ConfigValue = number | string | boolean | null | readonly number[];

export interface Searchable extends Labels {
  name: string;
  family: string;
  experiment: string;
  status: string;
  /** Flattened config leaves by path (`model.beta`); absent for sweeps, which no config-value word matches. */
  config?: Readonly<Record<string, ConfigValue>>;
}

type Op = '=' | '!=' | '>' | '<' | '>=' | '<=';
export type SearchTerm =
  | { kind: 'text'; text: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'starred' }
  | { kind: 'status'; status: string }
  | { kind: 'config'; path: string; op: Op; value: string };

/** The words of a query; quotes group a phrase. */
function words(query: string): string[] {
  return [...query.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? '').trim()).filter((w) => w !== '');
}

export function parseSearch(query: string): SearchTerm[] {
  return words(query).map((w): SearchTerm => {
    const lower = w.toLowerCase();
    if (lower === 'is:starred' || lower === 'is:star') return { kind: 'starred' };
    if (lower.startsWith('tag:') && w.length > 4) return { kind: 'tag', tag: w.slice(4) };
    if (lower.startsWith('status:') && w.length > 7) return { kind: 'status', status: lower.slice(7) };
    const m = /^([A-Za-z_][\w.[\]]*?)(!=|>=|<=|=|>|<)(.+)$/.exec(w);
    if (m) return { kind: 'config', path: m[1] ?? '', op: m[2] as Op, value: m[3] ?? '' };
    return { kind: 'text', text: lower };
  });
}

function asText(v: ConfigValue): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

function compare(v: ConfigValue, op: Op, wanted: string): boolean {
  const a = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const b = Number(wanted);
  if (Number.isFinite(a) && Number.isFinite(b)) {
    switch (op) {
      case '=':
        return a === b;
      case '!=':
        return a !== b;
      case '>':
        return a > b;
      case '<':
        return a < b;
      case '>=':
        return a >= b;
      case '<=':
        return a <= b;
    }
  }
  const text = asText(v).toLowerCase().replace(/\s+/g, '');
  const w = wanted
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\s+/g, '');
  if (op === '=') return text === w;
  if (op === '!=') return text !== w;
  return false;
}

/** Config paths a word names: the path itself, or every path that ends in `.<path>`. */
function pathsFor(config: Readonly<Record<string, ConfigValue>>, path: string): string[] {
  if (Object.hasOwn(config, path)) return [path];
  return Object.keys(config).filter((p) => p.endsWith(`.${path}`));
}

function matchesTerm(t: SearchTerm, item: Searchable): boolean {
  switch (t.kind) {
    case 'starred':
      return item.starred;
    case 'tag':
      return item.tags.some((tag) => tag.toLowerCase() === t.tag.toLowerCase());
    case 'status':
      return item.status === t.status;
    case 'config': {
      const config = item.config;
      if (!config) return false;
      const paths = pathsFor(config, t.path);
      // `!=` on a path the run lacks is no match: the word is about runs that have the field.
      return paths.some((p) => {
        const v = config[p];
        return v !== undefined && compare(v, t.op, t.value);
      });
    }
    case 'text':
      return [item.name, item.family, item.experiment, item.notes, ...item.tags].some((s) => s.toLowerCase().includes(t.text));
  }
}

export function matchesSearch(terms: readonly SearchTerm[], item: Searchable): boolean {
  return terms.every((t) => matchesTerm(t, item));
}

const comparison = /^(!=|>=|<=|=|>|<)/;

/**
 * Why a query's words may match nothing that the user meant: a comparison with no field before it (`>=4 <=8`, read
 * as text), and a field no item has (`lr=0.01`, where the config says training.learningRate), with the closest path.
 */
export function searchHints(query: string, items: readonly Pick<Searchable, 'config'>[]): string[] {
  const hints: string[] = [];
  const paths = new Set(items.flatMap((i) => Object.keys(i.config ?? {})));
  // Each path's last parts too (beta, model.beta), as a word may name them.
  const names = new Set([...paths].flatMap((p) => p.split('.').map((_, i, parts) => parts.slice(i).join('.'))));
  for (const w of words(query)) {
    if (comparison.test(w)) {
      hints.push(
        `“${w}” compares nothing: write the field before it, as beta${w.match(comparison)?.[0]}${w.replace(comparison, '') || '4'}`,
      );
    }
  }
  for (const t of parseSearch(query)) {
    if (t.kind !== 'config' || names.has(t.path)) continue;
    const near = closestName(t.path, names);
    hints.push(`no run has a config field “${t.path}”${near === undefined ? '' : ` (did you mean ${near}?)`}`);
  }
  return hints;
}

/** What an empty result says: the query, what may be wrong with it (`searchHints`), and what the grammar offers. */
export function noMatchText(query: string, total: number, hints: readonly string[] = []): string {
  const why = hints.length > 0 ? ` ${hints.map((h) => h.charAt(0).toUpperCase() + h.slice(1)).join('. ')}.` : '';
  return `No run of ${total} matches “${query.trim()}”.${why} Search names, tags, notes and families, or a config value as path=value (model.beta=4).`;
}
