/**
 * The studio's addresses: every view as a hash route, so that Back and Forward move between views, a reload
 * opens the same view, and a run, a sweep or a comparison can be linked. The same in the browser and in the
 * Electron window (a hash needs no server).
 *
 *   #/new, #/new?from=<run>           the new-run form, empty or filled with that run's config (a clone)
 *   #/runs/<id>, #/runs/<id>/explore  a run, its latent space
 *   #/sweeps/new, #/sweeps/<id>       the sweep form, a sweep's table
 *   #/table, #/table?experiment=<e>   all runs, one experiment's (and ?q=<search> with the table's search)
 *   #/compare?runs=<id>,<id>,…        a comparison
 *   #/datasets, #/datasets/<name>     the data sets, one of them
 */
import type { View } from './studio.svelte';

const id = (text: string | undefined): number | null => (text && /^\d{1,9}$/.test(text) ? Number(text) : null);

/** The table's search in an address, when there is one. */
const search = (params: URLSearchParams): { q?: string } => {
  const q = params.get('q');
  return q ? { q } : {};
};

/** The address of a view. A sweep form's base config is not in it (a reload starts from the default). */
export function hashOf(view: View): string {
  switch (view.kind) {
    case 'new':
      return view.from !== undefined ? `#/new?from=${view.from}` : '#/new';
    case 'run':
      return `#/runs/${view.runId}`;
    case 'explore':
      return `#/runs/${view.runId}/explore`;
    case 'sweep-new':
      return '#/sweeps/new';
    case 'runs': {
      const q = view.q ? `q=${encodeURIComponent(view.q)}` : '';
      if (view.sweepId !== undefined) return `#/sweeps/${view.sweepId}${q ? `?${q}` : ''}`;
      const query = [view.experiment !== undefined ? `experiment=${encodeURIComponent(view.experiment)}` : '', q].filter(Boolean);
      return `#/table${query.length ? `?${query.join('&')}` : ''}`;
    }
    case 'compare':
      return `#/compare?runs=${view.runIds.join(',')}`;
    case 'datasets':
      return view.name !== undefined ? `#/datasets/${encodeURIComponent(view.name)}` : '#/datasets';
  }
}

/** The view of an address; null for one the studio does not know (the caller keeps its view, or opens #/new). */
export function viewOf(hash: string): View | null {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter((p) => p !== '');
  const [head, second, third] = parts;
  if (parts.length === 0) return { kind: 'new' };
  switch (head) {
    case 'new': {
      const from = id(params.get('from') ?? undefined);
      return parts.length === 1 ? (from !== null ? { kind: 'new', from } : { kind: 'new' }) : null;
    }
    case 'runs': {
      const runId = id(second);
      if (runId === null) return null;
      if (parts.length === 2) return { kind: 'run', runId };
      return parts.length === 3 && third === 'explore' ? { kind: 'explore', runId } : null;
    }
    case 'sweeps': {
      if (parts.length !== 2) return null;
      if (second === 'new') return { kind: 'sweep-new' };
      const sweepId = id(second);
      return sweepId === null ? null : { kind: 'runs', sweepId, ...search(params) };
    }
    case 'table': {
      const experiment = params.get('experiment');
      return parts.length === 1 ? { kind: 'runs', ...(experiment !== null ? { experiment } : {}), ...search(params) } : null;
    }
    case 'compare': {
      const runIds = (params.get('runs') ?? '').split(',').map((t) => id(t));
      return parts.length === 1 && runIds.every((r) => r !== null) ? { kind: 'compare', runIds } : null;
    }
    case 'datasets':
      if (parts.length === 1) return { kind: 'datasets' };
      return parts.length === 2 && second ? { kind: 'datasets', name: decodeURIComponent(second) } : null;
    default:
      return null;
  }
}
