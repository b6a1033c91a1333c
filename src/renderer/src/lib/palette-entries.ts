/**
 * The command palette's entries: actions (new run, compare the selected runs, clone this run…), then every run,
 * sweep and data set to go to; and the filter that narrows them as one types.
 */
import type { DatasetInfo, RunSummary, SweepSummary } from '../../../shared/api';
import type { View } from './studio.svelte';

export type PaletteAction = 'theme' | 'help';
export interface PaletteEntry {
  key: string;
  group: 'Action' | 'Run' | 'Sweep' | 'Data set';
  label: string;
  detail: string;
  /** Where it goes, or what it does. */
  go: { view: View } | { action: PaletteAction };
}

export interface PaletteContext {
  view: View;
  runs: readonly RunSummary[];
  sweeps: readonly SweepSummary[];
  datasets: readonly DatasetInfo[];
  compareSelection: readonly number[];
}

export function paletteEntries(c: PaletteContext): PaletteEntry[] {
  const actions: PaletteEntry[] = [
    { key: 'new', group: 'Action', label: 'New run', detail: 'n', go: { view: { kind: 'new' } } },
    { key: 'new-sweep', group: 'Action', label: 'New sweep', detail: '', go: { view: { kind: 'sweep-new' } } },
    { key: 'table', group: 'Action', label: 'All runs (table)', detail: '', go: { view: { kind: 'runs' } } },
    { key: 'datasets', group: 'Action', label: 'Data sets', detail: '', go: { view: { kind: 'datasets' } } },
  ];
  if (c.compareSelection.length >= 2) {
    actions.push({
      key: 'compare',
      group: 'Action',
      label: `Compare the selected runs (${c.compareSelection.length})`,
      detail: c.compareSelection.map((id) => `#${id}`).join(' '),
      go: { view: { kind: 'compare', runIds: [...c.compareSelection] } },
    });
  }
  const view = c.view;
  const current = view.kind === 'run' || view.kind === 'explore' ? c.runs.find((r) => r.id === view.runId) : undefined;
  if (current) {
    actions.push({
      key: 'clone',
      group: 'Action',
      label: `Clone this run: ${current.name}`,
      detail: 'the form, filled with its config',
      go: { view: { kind: 'new', from: current.id } },
    });
    if (c.view.kind === 'run') {
      actions.push({
        key: 'explore',
        group: 'Action',
        label: `Explore this run: ${current.name}`,
        detail: 'its latent space',
        go: { view: { kind: 'explore', runId: current.id } },
      });
    }
  }
  actions.push(
    { key: 'theme', group: 'Action', label: 'Switch between light and dark', detail: '', go: { action: 'theme' } },
    { key: 'help', group: 'Action', label: 'Keyboard shortcuts and help', detail: '?', go: { action: 'help' } },
  );
  return [
    ...actions,
    ...c.runs.map((r): PaletteEntry => ({
      key: `run-${r.id}`,
      group: 'Run',
      label: `${r.starred ? '★ ' : ''}${r.name}`,
      detail: `#${r.id} · ${r.family} · ${r.status}${r.tags.length ? ` · ${r.tags.join(' ')}` : ''}`,
      go: { view: { kind: 'run', runId: r.id } },
    })),
    ...c.sweeps.map((s): PaletteEntry => ({
      key: `sweep-${s.id}`,
      group: 'Sweep',
      label: s.name,
      detail: `${s.method} sweep · ${s.total} runs · over ${s.parameters.join(', ')}`,
      go: { view: { kind: 'runs', sweepId: s.id } },
    })),
    ...c.datasets.map((d): PaletteEntry => ({
      key: `dataset-${d.name}`,
      group: 'Data set',
      label: d.title,
      detail: !d.available
        ? 'missing'
        : d.stored
          ? `${d.name} · ${d.trainCount.toLocaleString('en')} train images`
          : `${d.name} · not generated yet`,
      go: { view: { kind: 'datasets', name: d.name } },
    })),
  ];
}

/** Entries whose label and detail hold every typed word (any case; `#12` or `12` finds run 12), at most `limit`. */
export function filterEntries(entries: readonly PaletteEntry[], query: string, limit = 60): PaletteEntry[] {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return entries.slice(0, limit);
  const hits = entries.filter((e) => {
    const text = `${e.group} ${e.label} ${e.detail}`.toLowerCase();
    return words.every((w) => text.includes(w) || (/^#?\d+$/.test(w) && e.key === `run-${w.replace('#', '')}`));
  });
  // An exact run id first, then actions, then the rest in their order.
  const rank = (e: PaletteEntry) => (words.some((w) => e.key === `run-${w.replace('#', '')}`) ? 0 : e.group === 'Action' ? 1 : 2);
  return hits.sort((a, b) => rank(a) - rank(b)).slice(0, limit);
}
