import { SvelteMap } from 'svelte/reactivity';
import type { RunProgress, RunSummary, SystemInfo } from '../../../shared/api';
import { createClient, detectTransport, type Client } from './client';

export type View = { kind: 'new' } | { kind: 'run'; runId: number } | { kind: 'compare'; runIds: [number, number] };

/** App-wide state: the runs list, live progress and what the main pane shows. */
class StudioState {
  readonly client: Client = createClient(detectTransport());
  info = $state.raw<SystemInfo | null>(null);
  runs = $state.raw<RunSummary[]>([]);
  view = $state.raw<View>({ kind: 'new' });
  compareSelection = $state<number[]>([]);
  readonly progress = new SvelteMap<number, RunProgress>();
  error = $state<string | null>(null);

  constructor() {
    this.client.on((event) => {
      if (event.name === 'run.progress') this.progress.set(event.payload.runId, event.payload);
      else if (event.name === 'run.status' || event.name === 'run.artifact') void this.refreshRuns();
      else if (event.name === 'run.metrics') this.scheduleRefresh();
    });
    this.client.onReconnect(() => void this.refreshRuns());
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
    await this.refreshRuns();
    this.info = await info;
  }

  async refreshRuns(): Promise<void> {
    try {
      this.runs = await this.client.call('runs.list', {});
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
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
