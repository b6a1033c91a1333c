import { parseSearch } from '../../../shared/search';
import { SvelteSet } from 'svelte/reactivity';
import type { RunsTable, RunStatus, SweepDetail, SweepSummary } from '../../../shared/api';
import { perDimensionOf, runsTableCsv } from '../../../shared/runs-table';
import { columnKey, defaultMetricColumns, type Column, type TableRow } from './runs-table';
import {
  applyRunLabels,
  applyRunMetrics,
  applyRunStatus,
  dropRun,
  csvFileName,
  activeFilters,
  filterColumnOf,
  filterPlaceholder,
  waitsOnSlurm,
  isNumericColumn,
  liveSweepCounts,
  metricCellShown,
  metricLongName,
  splitMetricChoices,
  nextSort,
  familiesOfRows,
  selectionInOrder,
  shownRows,
  slurmStateCounts,
  tableColumns,
  toggleMetricKey,
  type SortDirection,
} from './runs-table-view';
import { studio } from './studio.svelte';

type SweepLabels = Pick<SweepDetail, 'name' | 'tags' | 'notes' | 'starred'>;

/** What the table shows: one experiment's runs, one sweep's, or (neither) all. */
export interface RunsTableScope {
  readonly experiment?: string | undefined;
  readonly sweepId?: number | undefined;
}

/**
 * The runs table's state: the table and the sweep as read (and patched live), the columns, sorting, filters and the
 * selection. Its two live parts are effects the view attaches: `$effect(() => view.follow())` and
 * `$effect(() => view.followSlurm())`.
 */
export class RunsTableState {
  table = $state.raw<RunsTable | null>(null);
  sweep = $state.raw<SweepDetail | null>(null);
  /** Why the table could not be read (the next reading clears it). */
  loadError = $state<string | null>(null);
  /** Why the sweep could not be read (the next reading of it clears it). */
  sweepError = $state<string | null>(null);
  /** Why Cancel or Resume was refused: it stays until the next action, not until the next reading. */
  actionError = $state<string | null>(null);

  constructor(private readonly scope: RunsTableScope) {}

  get experiment(): string | undefined {
    return this.scope.experiment;
  }
  get sweepId(): number | undefined {
    return this.scope.sweepId;
  }

  /** Readings of the table asked for: one answered after a newer one was asked for is dropped. */
  private readings = 0;
  async loadTable(): Promise<void> {
    const reading = ++this.readings;
    try {
      const table = await studio.client.call('runs.table', {
        ...(this.experiment !== undefined ? { experiment: this.experiment } : {}),
        ...(this.sweepId !== undefined ? { sweepId: this.sweepId } : {}),
      });
      if (reading !== this.readings) return;
      this.table = table;
      this.loadError = null;
      // A run deleted while the table was away (no event reached it) leaves the selection too.
      const rows = table.rows;
      for (const id of [...this.selected]) if (!rows.some((r) => r.id === id)) this.selected.delete(id);
    } catch (e) {
      if (reading === this.readings) this.loadError = e instanceof Error ? e.message : String(e);
    }
  }
  /**
   * The sweep's name and labels as last saved from its header, and how many saves there were: a reading of the sweep
   * begun before a save keeps what it saved (else the tags editor would build its next change on older tags).
   */
  private savedLabels: SweepLabels | null = null;
  private labelSaves = 0;
  /** A reading begun after `saves` label saves, with the labels saved since it began. */
  private withSavedLabels<T extends SweepLabels>(reading: T, saves: number): T {
    return saves === this.labelSaves || this.savedLabels === null ? reading : { ...reading, ...this.savedLabels };
  }
  readonly labelled = (saved: SweepLabels): void => {
    this.labelSaves++;
    this.savedLabels = saved;
    if (this.sweep) this.sweep = { ...this.sweep, ...saved };
  };

  async loadSweep(): Promise<void> {
    const sweepId = this.sweepId;
    if (sweepId === undefined) return;
    const saves = this.labelSaves;
    try {
      this.sweep = this.withSavedLabels(await studio.client.call('sweeps.get', { sweepId }), saves);
      this.sweepError = null;
    } catch (e) {
      this.sweepError = e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Live: metrics and statuses are patched into the rows as they arrive; the table (a new run, a run that ended)
   * and the sweep's counts are read again at most once a second. Reads both now; returns the cleanup.
   */
  follow(): () => void {
    void this.loadTable();
    void this.loadSweep();
    let tableTimer: ReturnType<typeof setTimeout> | undefined;
    let sweepTimer: ReturnType<typeof setTimeout> | undefined;
    const reloadTable = () =>
      (tableTimer ??= setTimeout(() => {
        tableTimer = undefined;
        void this.loadTable();
      }, 1000));
    const reloadSweep = () =>
      (sweepTimer ??= setTimeout(() => {
        sweepTimer = undefined;
        void this.loadSweep();
      }, 1000));
    const off = studio.client.on((event) => {
      const sweepId = this.sweepId;
      if (event.name === 'sweep.changed') {
        if (sweepId === undefined || event.payload.sweepId === sweepId) {
          reloadTable();
          reloadSweep();
        }
        return;
      }
      if (event.name === 'run.status') {
        const next = applyRunStatus(this.table, event.payload.runId, event.payload.status, sweepId);
        this.table = next.table;
        if (next.reloadTable) reloadTable();
        if (next.reloadSweep) reloadSweep();
        return;
      }
      if (event.name === 'run.labels') {
        this.table = applyRunLabels(this.table, event.payload);
        return;
      }
      if (event.name === 'run.deleted') {
        const before = this.table;
        this.table = dropRun(this.table, event.payload.runId);
        this.selected.delete(event.payload.runId);
        // A sweep's counts and total change with its run.
        if (this.table !== before && sweepId !== undefined) reloadSweep();
        return;
      }
      // A finished evaluation brings its figures' columns.
      if (event.name === 'evaluation.status') {
        if (event.payload.status === 'completed' && this.table?.rows.some((r) => r.id === event.payload.runId)) reloadTable();
        return;
      }
      if (event.name !== 'run.metrics') return;
      this.table = applyRunMetrics(this.table, event.payload.runId, event.payload.points);
    });
    const offReconnect = studio.client.onReconnect(() => {
      void this.loadTable();
      void this.loadSweep();
    });
    return () => {
      off();
      offReconnect();
      clearTimeout(tableTimer);
      clearTimeout(sweepTimer);
    };
  }

  /** Runs waiting on or training on a Slurm cluster: squeue's states change without an event, so they are read again. */
  followsSlurm = $derived(waitsOnSlurm(this.table?.rows ?? []));
  /** While some run is on Slurm and not done, the table is read every 5 s; returns the cleanup. */
  followSlurm(): (() => void) | undefined {
    if (!this.followsSlurm) return;
    const timer = setInterval(() => void this.loadTable(), 5000);
    return () => clearInterval(timer);
  }

  rows = $derived(this.table?.rows ?? []);
  rowFamilies = $derived(familiesOfRows(this.rows));

  // ---- Columns: the run's own facts, the swept fields, the chosen metrics and the other fields that differ.
  chosenMetrics = $state<string[] | null>(null);
  defaultMetrics = $derived(defaultMetricColumns(this.table?.metrics ?? [], studio.families, this.rowFamilies));
  metricKeys = $derived((this.chosenMetrics ?? this.defaultMetrics).filter((k) => this.table?.metrics.includes(k)));
  columns = $derived<Column[]>(tableColumns(this.table?.fields ?? [], this.metricKeys, this.table?.swept ?? []));
  metricChoices = $derived(splitMetricChoices(this.table?.metrics ?? [], studio.families));
  toggleMetric(key: string, on: boolean): void {
    this.chosenMetrics = toggleMetricKey(this.table?.metrics ?? [], this.chosenMetrics ?? this.defaultMetrics, key, on);
  }

  // ---- Sorting and filtering.
  sortKey = $state('id');
  sortDirection = $state<SortDirection>('desc');
  sortBy(c: Column): void {
    const next = nextSort({ key: this.sortKey, direction: this.sortDirection }, c);
    this.sortKey = next.key;
    this.sortDirection = next.direction;
  }
  statusFilter = $state<RunStatus | ''>('');
  familyFilter = $state('');
  filterColumnKey = $state('');
  filterValue = $state('');
  filterColumn = $derived(filterColumnOf(this.filterColumnKey));
  /** The filtered column when the table no longer shows it (the metric picker hid it): the toolbar still offers it. */
  filterColumnHidden = $derived(
    this.filterColumn !== undefined && !this.columns.some((c) => columnKey(c) === this.filterColumnKey),
  );
  clearFilters(): void {
    this.search = '';
    this.statusFilter = '';
    this.familyFilter = '';
    this.filterColumnKey = '';
    this.filterValue = '';
  }
  filterHint = $derived(filterPlaceholder(this.rows, this.filterColumn, studio.families));
  /** The search box: names, tags, notes, families and `path=value` (src/shared/search.ts). */
  search = $state('');
  searchTerms = $derived(parseSearch(this.search));
  /** The filters in force, in words, for the message when no row passes. */
  active = $derived(
    activeFilters(
      {
        search: this.search,
        status: this.statusFilter,
        family: this.familyFilter,
        column: this.filterColumn,
        value: this.filterValue,
      },
      (id) => studio.family(id)?.label ?? id,
    ),
  );
  shown = $derived(
    shownRows(
      this.rows,
      this.columns,
      {
        search: this.searchTerms,
        status: this.statusFilter,
        family: this.familyFilter,
        column: this.filterColumn,
        value: this.filterValue,
      },
      { key: this.sortKey, direction: this.sortDirection },
      studio.families,
    ),
  );

  // ---- Selection, of any rows; "select all" takes the rows the filters show.
  readonly selected = new SvelteSet<number>();
  shownIds = $derived(this.shown.map((r) => r.id));
  allShownSelected = $derived(this.shownIds.length > 0 && this.shownIds.every((id) => this.selected.has(id)));
  someShownSelected = $derived(this.shownIds.some((id) => this.selected.has(id)));
  selectAll(on: boolean): void {
    for (const id of this.shownIds) {
      if (on) this.selected.add(id);
      else this.selected.delete(id);
    }
  }
  select(id: number, on: boolean): void {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
  }
  compareSelected(): void {
    // In the table's order, so the comparison lists them as they were read here.
    const runIds = selectionInOrder(this.shownIds, this.selected);
    if (runIds.length >= 2) studio.open({ kind: 'compare', runIds });
  }

  // ---- Cells.
  metricText(row: TableRow, key: string): string {
    return metricCellShown(row, key, studio.families);
  }
  metricLabel(key: string): string | undefined {
    return metricLongName(key, studio.families);
  }
  /** The latent dimension a per-dimension metric is of, as the explorer's sliders name it (z1 for kl_dim_0). */
  sliderOf(key: string): string | undefined {
    return perDimensionOf(key, studio.families)?.slider;
  }
  numeric(c: Column): boolean {
    return isNumericColumn(c, this.rows[0]);
  }
  /** The sorted direction of a column, as `aria-sort` says it. */
  ariaSort(c: Column): 'ascending' | 'descending' | 'none' {
    return this.sortKey === columnKey(c) ? (this.sortDirection === 'asc' ? 'ascending' : 'descending') : 'none';
  }

  exportCsv(): void {
    const table = this.table;
    if (!table) return;
    // The same CSV as `latent-studio runs --csv`, of the rows and columns shown.
    const csv = runsTableCsv(table, { fields: table.fields, metrics: this.metricKeys, rows: this.shown });
    const blob = new Blob([csv], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    const stem = this.sweep?.name ?? this.experiment ?? 'runs';
    a.download = csvFileName(stem);
    a.click();
    // As chart exports do: the download may read the address after the click returns.
    const href = a.href;
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
  }

  busy = $state(false);
  async sweepAction(command: 'sweeps.cancel' | 'sweeps.resume'): Promise<void> {
    const sweepId = this.sweepId;
    if (sweepId === undefined) return;
    this.busy = true;
    this.actionError = null;
    const saves = this.labelSaves;
    try {
      const summary: SweepSummary = this.withSavedLabels(await studio.client.call(command, { sweepId }), saves);
      if (this.sweep) this.sweep = { ...this.sweep, ...summary };
      await Promise.all([this.loadTable(), this.loadSweep()]);
    } catch (e) {
      this.actionError = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }

  /**
   * The sweep's counts from its rows, which events patch at once, so the header and the table agree; the last
   * read's counts until the table holds every run of the sweep.
   */
  liveSweep = $derived(liveSweepCounts(this.sweep, this.rows));

  /** How many of the sweep's tasks squeue last saw in each state, from the rows (those on Slurm). */
  slurmStates = $derived(slurmStateCounts(this.rows));

  title = $derived(this.sweepId !== undefined ? (this.sweep?.name ?? 'Sweep') : (this.experiment ?? 'All runs'));
}
