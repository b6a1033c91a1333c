import { untrack } from 'svelte';
import type { DatasetDetail, DatasetInfo, DatasetSample } from '../../../shared/api';
import { ClientError } from './client';
import { defaultGeneration, pairableSets, pairingFamilies, sampleRangeText, samplePageSize } from './datasets-view';
import { studio } from './studio.svelte';

/**
 * The data sets view's state: the selected set (the one named, else the first), the page of its images read, the
 * pair's second set, and the view's actions (generate the set, delete it). Made while the view initialises: its two
 * effects (a new selection starts over; the page is read again as it changes) last as long as the view.
 */
export class DatasetsViewState {
  readonly pageSize = samplePageSize;
  /** The set named (none when the name is of no set: deleted, or a stale link), else the first. */
  selected = $derived.by(() => {
    const name = this.name();
    return name ? studio.datasets.find((d) => d.name === name) : studio.datasets[0];
  });
  /** A name in the address that no set has: the view says so rather than show another set under it. */
  missing = $derived.by(() => {
    const name = this.name();
    return name && studio.datasets.length > 0 && !this.selected ? name : undefined;
  });
  detail = $state.raw<DatasetDetail | null>(null);
  samples = $state.raw<DatasetSample[]>([]);
  total = $state(0);
  split = $state<'train' | 'test'>('train');
  offset = $state(0);
  /** Why the page of images could not be read (reading it again clears it). */
  error = $state<string | null>(null);
  /** Why Delete or Generate now failed: beside those buttons, until the next action. */
  actionError = $state<string | null>(null);
  busy = $state(false);
  partner = $state('');
  /** The families that train on a pair of sets (they declare `datasetPairing`), offered for the selected set. */
  pairings = $derived(pairingFamilies(studio.families));
  others = $derived(pairableSets(studio.datasets, this.selected));
  /** The second set chosen, while it is still one of `others` (a set deleted since is no choice). */
  partnerName = $derived(this.others.some((o) => o.name === this.partner) ? this.partner : '');
  rangeText = $derived(sampleRangeText(this.offset, this.pageSize, this.total));
  private selectedName = $derived(this.selected?.name);

  constructor(private readonly name: () => string | undefined) {
    // A new selection (not a refreshed list) starts at the first page, with its twin (if any) proposed as the second set.
    $effect(() => {
      void this.selectedName;
      this.offset = 0;
      this.split = 'train';
      this.partner = untrack(() => this.selected?.twin) ?? '';
      this.actionError = null;
    });
    $effect(() => this.loadSamples());
  }

  /** Reads the selected set's detail and the page of images shown (an effect: again whenever either changes). */
  private loadSamples(): (() => void) | undefined {
    const s = this.selected;
    const at = this.offset;
    const which = this.split;
    this.detail = null;
    this.samples = [];
    this.total = 0;
    this.error = null;
    if (!s?.available || !s.stored) return;
    let stale = false;
    Promise.all([
      studio.client.call('datasets.get', { name: s.name }),
      studio.client.call('datasets.samples', { name: s.name, split: which, offset: at, count: this.pageSize }),
    ]).then(
      ([d, page]) => {
        if (stale) return;
        this.detail = d;
        this.samples = page.samples;
        this.total = page.total;
      },
      (e: unknown) => {
        if (!stale) this.error = e instanceof Error ? e.message : String(e);
      },
    );
    return () => {
      stale = true;
    };
  }

  previousPage(): void {
    this.offset = Math.max(0, this.offset - this.pageSize);
  }

  nextPage(): void {
    this.offset += this.pageSize;
  }

  async generateDefault(d: DatasetInfo): Promise<void> {
    this.busy = true;
    this.actionError = null;
    try {
      await studio.client.call('datasets.generate', defaultGeneration(d));
      await studio.refreshDatasets();
    } catch (e) {
      this.actionError = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }

  async remove(d: DatasetInfo): Promise<void> {
    if (!confirm(`Delete the data set ${d.name}? Runs trained on it keep their results.`)) return;
    this.actionError = null;
    try {
      await studio.client.call('datasets.delete', { name: d.name });
      await studio.refreshDatasets();
      // In place of the deleted set's address, so Back does not lead to it.
      studio.replace({ kind: 'datasets' });
    } catch (e) {
      this.actionError = e instanceof ClientError ? e.message : String(e);
    }
  }
}
