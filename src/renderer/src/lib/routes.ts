/**
 * The studio's addresses: every view as a hash route, so that Back and Forward move between views, a reload
 * opens the same view, and a run, a sweep or a comparison can be linked. The same in the browser and in the
 * Electron window (a hash needs no server).
 *
 *   #/new, #/new?from=<run>           the new-run form, empty or filled with that run's config (a clone)
 *   #/runs/<id>, #/runs/<id>/explore  a run, its latent space
 *   #/sweeps/new, #/sweeps/<id>       the sweep form, a sweep's table
 *   #/table, #/table?experiment=<e>   all runs, one experiment's (with the table's search and filters: q, status, family)
 *   #/compare?runs=<id>,<id>,…        a comparison (&color=<path|run>&group=<field:path|except-seed|none>)
 *   #/datasets, #/datasets/<name>     the data sets, one of them
 */
import type { View } from './studio.svelte';

const id = (text: string | undefined): number | null => (text && /^\d{1,9}$/.test(text) ? Number(text) : null);

/** The table's search and filters in an address, those there are. */
const search = (params: URLSearchParams): { q?: string; status?: string; family?: string } =>
  Object.fromEntries((['q', 'status', 'family'] as const).flatMap((k) => (params.get(k) ? [[k, params.get(k)]] : [])));

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
      const filters = (['q', 'status', 'family'] as const).flatMap((k) =>
        view[k] ? [`${k}=${encodeURIComponent(view[k])}`] : [],
      );
      if (view.sweepId !== undefined) return `#/sweeps/${view.sweepId}${filters.length ? `?${filters.join('&')}` : ''}`;
      const query = [...(view.experiment !== undefined ? [`experiment=${encodeURIComponent(view.experiment)}`] : []), ...filters];
      return `#/table${query.length ? `?${query.join('&')}` : ''}`;
    }
    case 'compare': {
      const settings = [
        view.color !== undefined ? `&color=${encodeURIComponent(view.color)}` : '',
        view.group !== undefined ? `&group=${encodeURIComponent(view.group)}` : '',
      ].join('');
      return `#/compare?runs=${view.runIds.join(',')}${settings}`;
    }
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
      if (parts.length !== 1 || !runIds.every((r) => r !== null)) return null;
      const color = params.get('color');
      const group = params.get('group');
      return { kind: 'compare', runIds, ...(color !== null ? { color } : {}), ...(group !== null ? { group } : {}) };
    }
    case 'datasets':
      if (parts.length === 1) return { kind: 'datasets' };
      return parts.length === 2 && second ? { kind: 'datasets', name: decodeURIComponent(second) } : null;
    default:
      return null;
  }
}

/**
 * The window's title for a view, so that history menus, tabs and bookmarks tell views apart: the run's or sweep's
 * name where it is known, then the studio's.
 */
export function viewTitle(
  view: View,
  runs: readonly { id: number; name: string }[],
  sweeps: readonly { id: number; name: string }[],
): string {
  const run = (id: number) => runs.find((r) => r.id === id)?.name ?? `run ${id}`;
  const part = ((): string => {
    switch (view.kind) {
      case 'new':
        return view.from === undefined ? 'New run' : `New run from ${run(view.from)}`;
      case 'run':
        return run(view.runId);
      case 'explore':
        return `Explore ${run(view.runId)}`;
      case 'sweep-new':
        return 'New sweep';
      case 'runs':
        if (view.sweepId !== undefined) return sweeps.find((s) => s.id === view.sweepId)?.name ?? `sweep ${view.sweepId}`;
        return view.experiment !== undefined ? `Experiment ${view.experiment}` : 'All runs';
      case 'compare':
        return `Compare ${view.runIds.length} run${view.runIds.length === 1 ? '' : 's'}`;
      case 'datasets':
        return view.name ?? 'Data sets';
    }
  })();
  return `${part} · Latent Studio`;
}
