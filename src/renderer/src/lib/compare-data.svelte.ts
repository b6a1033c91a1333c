import { SvelteMap } from 'svelte/reactivity';
import type { ArtifactInfo, CommandOutput, Curve, FamilyInfo, RunsTable } from '../../../shared/api';
import type { Client } from './client';
import { comparisonMetric, curvePointsFor, parseMetricKey } from './compare';
import { logDrawnPaths } from '../../../shared/sweep';

/**
 * What a comparison of many runs reads, in a few calls whatever their number: the table (differing fields and
 * final metrics), the curves of each metric asked for, and the index of their images (their bytes load by URL).
 */
export class ComparisonData {
  table = $state.raw<RunsTable | null>(null);
  /** The kinds of image the runs have (with their epochs); each kind's index is read when it is shown. */
  kinds = $state.raw<CommandOutput<'artifacts.kinds'> | null>(null);
  /** Each kind's images of every run, without bytes, by kind. */
  readonly indexes = new SvelteMap<string, ArtifactInfo[]>();
  error = $state<string | null>(null);
  /** Curves by metric key (`test.loss`), as the core sent them; absent until asked, [] while loading. */
  readonly curves = new SvelteMap<string, Curve[]>();
  readonly curvesLoading = new SvelteMap<string, boolean>();
  /** The URLs of the images shown so far, by artifact id: the tiles ever asked for. */
  readonly images = new SvelteMap<number, string>();
  /**
   * The config paths a sweep of these runs drew on a log scale (a log-uniform range): coloured and spaced on one
   * whatever span the runs drawn happen to cover (β from 0.97 to 9.4 is under a decade, drawn log-uniformly).
   */
  logFields = $state.raw<readonly string[]>([]);
  private disposed = false;

  constructor(
    private readonly client: Client,
    readonly runIds: readonly number[],
    /** The families as the studio lists them: which metric the comparison opens on depends on theirs. */
    private readonly families: () => readonly FamilyInfo[] = () => [],
  ) {}

  /** The metric the comparison opens on (comparisonMetric), once the table is read. */
  get openingMetric(): string | undefined {
    return this.table ? comparisonMetric(this.table, this.families()) : undefined;
  }

  /** Reads one kind's image index once (one query for every run); it is empty while it loads. */
  loadKind(kind: string): void {
    if (this.indexes.has(kind)) return;
    this.indexes.set(kind, []);
    this.client.call('artifacts.index', { runIds: [...this.runIds], kind }).then(
      (index) => {
        if (!this.disposed) this.indexes.set(kind, index);
      },
      (e: unknown) => {
        this.indexes.delete(kind);
        this.error = e instanceof Error ? e.message : String(e);
      },
    );
  }

  /** The table, the image index and the test loss curves at once (test loss is the likely first metric). */
  async load(): Promise<void> {
    const ids = [...this.runIds];
    const guess = this.loadCurves('test.loss');
    try {
      const [table, kinds] = await Promise.all([
        this.client.call('runs.table', { runIds: ids }),
        this.client.call('artifacts.kinds', { runIds: ids }),
      ]);
      if (this.disposed) return;
      this.table = table;
      void this.loadSweepScales(table);
      this.kinds = kinds.filter((k) => k.mime.startsWith('image/'));
      const first = comparisonMetric(table, this.families());
      if (first && first !== 'test.loss') await this.loadCurves(first);
      await guess;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** The sweeps of the runs (usually one), for the paths they draw on a log scale; a sweep that cannot be read adds none. */
  private async loadSweepScales(table: RunsTable): Promise<void> {
    const sweepIds = table.rows
      .flatMap((r) => (r.sweepId === null ? [] : [r.sweepId]))
      .filter((id, i, all) => all.indexOf(id) === i);
    const sweeps = await Promise.all(sweepIds.map((sweepId) => this.client.call('sweeps.get', { sweepId }).catch(() => null)));
    if (this.disposed) return;
    this.logFields = sweeps.flatMap((sweep) => (sweep ? logDrawnPaths(sweep.spec.parameters) : []));
  }

  /** Reads one metric's curves of every run once; later calls reuse them. */
  async loadCurves(key: string): Promise<void> {
    const metric = parseMetricKey(key);
    if (!metric || this.curves.has(key) || this.curvesLoading.get(key)) return;
    this.curvesLoading.set(key, true);
    try {
      const curves = await this.client.call('runs.curves', {
        runIds: [...this.runIds],
        metrics: [metric],
        maxPoints: curvePointsFor(this.runIds.length),
      });
      if (!this.disposed) this.curves.set(key, curves);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.curvesLoading.set(key, false);
    }
  }

  /** Shows these images: each gets its URL (the browser loads and keeps the bytes; an artifact never changes). */
  requestImages(ids: readonly number[]): void {
    for (const id of ids) if (!this.images.has(id)) this.images.set(id, this.client.artifactUrl(id));
  }

  dispose(): void {
    this.disposed = true;
  }
}
