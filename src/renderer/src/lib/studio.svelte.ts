import { SvelteMap } from 'svelte/reactivity';
import type { DatasetInfo, EventPayload, FamilyInfo, RunProgress, RunSummary, SystemInfo } from '../../../shared/api';
import type { RunConfig } from '../../../shared/config';
import { createClient, detectTransport, type Client } from './client';

export type View =
  | { kind: 'new' }
  | { kind: 'run'; runId: number }
  | { kind: 'compare'; runIds: [number, number] }
  | { kind: 'datasets'; name?: string };

/** App-wide state: the runs list, live progress and what the main pane shows. */
class StudioState {
  readonly client: Client = createClient(detectTransport());
  info = $state.raw<SystemInfo | null>(null);
  runs = $state.raw<RunSummary[]>([]);
  view = $state.raw<View>({ kind: 'new' });
  compareSelection = $state<number[]>([]);
  readonly progress = new SvelteMap<number, RunProgress>();
  error = $state<string | null>(null);
  datasets = $state.raw<DatasetInfo[]>([]);
  /** Every family the studio has registered, with the metrics and views its run view shows (declared in its spec). */
  families = $state.raw<FamilyInfo[]>([]);
  /** The latest progress of an import or a generation, until it ends. */
  datasetProgress = $state.raw<EventPayload<'dataset.progress'> | null>(null);
  /** Data set settings a view hands to the new-run form (e.g. "train on this set"). */
  pendingDataset = $state.raw<(Partial<RunConfig['dataset']> & { family?: RunConfig['family'] }) | null>(null);

  constructor() {
    this.client.on((event) => {
      if (event.name === 'run.progress') this.progress.set(event.payload.runId, event.payload);
      else if (event.name === 'run.status' || event.name === 'run.artifact') void this.refreshRuns();
      else if (event.name === 'run.metrics') this.scheduleRefresh();
      else if (event.name === 'dataset.changed') void this.refreshDatasets();
      else if (event.name === 'dataset.progress') {
        this.datasetProgress = event.payload.done >= event.payload.total ? null : event.payload;
      }
    });
    this.client.onReconnect(() => {
      void this.refreshRuns();
      void this.refreshDatasets();
    });
  }

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private scheduleRefresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshRuns();
    }, 1000);
  }

  async load(): Promise<void> {
    const info = this.client.call('system.info', {});
    const families = this.client.call('families.list', {}).then((f) => (this.families = f));
    await Promise.all([this.refreshRuns(), this.refreshDatasets(), families]);
    this.info = await info;
  }

  async refreshRuns(): Promise<void> {
    try {
      this.runs = await this.client.call('runs.list', {});
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  async refreshDatasets(): Promise<void> {
    try {
      this.datasets = await this.client.call('datasets.list', {});
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Opens the new-run form with these data set settings (and family, e.g. the deepfake for two sets). */
  trainOn(dataset: Partial<RunConfig['dataset']> & { family?: RunConfig['family'] }): void {
    this.pendingDataset = dataset;
    this.view = { kind: 'new' };
  }

  /** A family's declarations by id (undefined until the list has loaded, or for an id the studio does not know). */
  family(id: string): FamilyInfo | undefined {
    return this.families.find((f) => f.id === id);
  }

  open(view: View): void {
    this.view = view;
  }

  toggleCompare(runId: number): void {
    const i = this.compareSelection.indexOf(runId);
    if (i >= 0) this.compareSelection.splice(i, 1);
    else this.compareSelection = [...this.compareSelection.slice(-1), runId];
  }
}

export const studio = new StudioState();
