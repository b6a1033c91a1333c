import { SvelteMap } from 'svelte/reactivity';
import {
  finishedStatuses,
  type DatasetInfo,
  type EventPayload,
  type FamilyInfo,
  type MetricPoint,
  type RunProgress,
  type RunSummary,
  type SweepSummary,
  type SystemInfo,
} from '../../../shared/api';
import { describeIssues, type RunConfig } from '../../../shared/config';
import { ClientError, createClient, detectTransport, type Client, type ConnectionState } from './client';
import { failed, failureLine, succeeded, type Failures } from './failures';
import { existingOnly } from './compare';
import { mergeLatest } from './latest-metrics';
import { hashOf, viewOf } from './routes';

export type View =
  /** The new-run form; `from`: filled with that run's config (a clone). */
  | { kind: 'new'; from?: number }
  | { kind: 'run'; runId: number }
  /** The sweep form, starting from a config (the new-run form's, or a run's). */
  | { kind: 'sweep-new'; base?: RunConfig }
  /** A table of runs: one experiment's, one sweep's (with its progress), or all. */
  /** The table's search (`q`) and filters (`status`, `family`) are in its address too. */
  | { kind: 'runs'; experiment?: string; sweepId?: number; q?: string; status?: string; family?: string }
  /** `color`: the config path runs are coloured by, or 'run'; `group`: 'field:<path>', 'except-seed' or 'none'. */
  | { kind: 'compare'; runIds: number[]; color?: string; group?: string }
  | { kind: 'datasets'; name?: string }
  /** A finished run's latent space, live: the projector and the decoding sliders. */
  | { kind: 'explore'; runId: number };

/**
 * App-wide state: the runs list, live progress and what the main pane shows. The list is read whole once (and after
 * a reconnect); events then patch it in place: metrics into a run's latest figures, a status into its row, and a
 * run it has not seen is read alone.
 */
class StudioState {
  /**
   * A request the contract refuses reads as the fields and what is wrong with each ("name: must not be empty"),
   * without the "invalid runs.label request:" the CLI and the API's callers are told: a command's name means nothing
   * in a form. (A handler's own refusal keeps its whole message.)
   */
  readonly client: Client = createClient(detectTransport(), {
    refusal: (body) =>
      new ClientError(
        body.code === 'bad_request' && body.issues?.length && /^invalid [\w.]+ request: /.test(body.message)
          ? { ...body, message: describeIssues(body.issues) }
          : body,
      ),
  });
  info = $state.raw<SystemInfo | null>(null);
  runs = $state.raw<RunSummary[]>([]);
  /** Whether run `id` has stopped training (one not listed, or not yet, counts as stopped: it trains nowhere here). */
  hasStopped(id: number): boolean {
    const status = this.runs.find((r) => r.id === id)?.status;
    return status === undefined || finishedStatuses.includes(status);
  }
  /** Every sweep, with its runs counted by status when it was read (`sweep.changed` reads them again). */
  sweeps = $state.raw<SweepSummary[]>([]);
  view = $state.raw<View>({ kind: 'new' });
  /** The link to the studio (lost: the host does not answer; refused: a restarted host refuses this page's token). */
  connection = $state.raw<ConnectionState>('open');
  compareSelection = $state<number[]>([]);
  /** Whether the job queue is held (nothing queued starts), as the scheduler control last read it. */
  queueHeld = $state(false);
  readonly progress = new SvelteMap<number, RunProgress>();
  /** What failed to load, by what was being read (src/renderer/src/lib/failures.ts): the banner's line. */
  failures = $state.raw<Failures>({});
  get error(): string | null {
    return failureLine(this.failures);
  }
  /** Notes a failure of the studio's first reading (App) or clears it. */
  set error(message: string | null) {
    this.failures = message === null ? succeeded(this.failures, 'studio') : failed(this.failures, 'studio', message);
  }
  datasets = $state.raw<DatasetInfo[]>([]);
  /** Every family the studio has registered, with the metrics and views its run view shows (declared in its spec). */
  families = $state.raw<FamilyInfo[]>([]);
  /** The latest progress of an import or a generation, until it ends. */
  datasetProgress = $state.raw<EventPayload<'dataset.progress'> | null>(null);
  /** Data set settings a view hands to the new-run form (e.g. "train on this set"). */
  pendingDataset = $state.raw<(Partial<RunConfig['dataset']> & { family?: string }) | null>(null);

  constructor() {
    // The address opens its view (a reload, a link); Back and Forward change the address, and so the view.
    if (typeof window !== 'undefined') {
      const initial = viewOf(window.location.hash);
      if (initial) this.view = initial;
      history.replaceState(history.state, '', hashOf(this.view));
      window.addEventListener('hashchange', () => {
        const view = viewOf(window.location.hash);
        // An address the studio does not know keeps the view, and the address bar goes back to the view's own.
        if (!view) history.replaceState(history.state, '', hashOf(this.view));
        else if (hashOf(view) !== hashOf(this.view)) this.view = view;
      });
    }
    this.client.on((event) => {
      if (event.name === 'run.progress') this.progress.set(event.payload.runId, event.payload);
      else if (event.name === 'run.status') this.patchStatus(event.payload);
      else if (event.name === 'run.metrics') this.patchMetrics(event.payload.runId, event.payload.points);
      else if (event.name === 'run.labels') this.mergeRuns([event.payload]);
      else if (event.name === 'run.deleted') this.forgetRun(event.payload.runId);
      else if (event.name === 'sweep.changed') this.scheduleSweepsRefresh();
      else if (event.name === 'dataset.changed') void this.refreshDatasets();
      else if (event.name === 'dataset.progress') {
        this.datasetProgress = event.payload.done >= event.payload.total ? null : event.payload;
      }
    });
    this.client.onConnection((state) => (this.connection = state));
    this.client.onReconnect(() => {
      // Read everything again: what fails still will say so again.
      this.failures = {};
      void this.refreshRuns();
      void this.refreshSweeps();
      void this.refreshDatasets();
    });
  }

  /** The newest figures of a run from its metrics event; other runs keep their objects, so their rows stay as they are. */
  private patchMetrics(runId: number, points: MetricPoint[]): void {
    const i = this.runs.findIndex((r) => r.id === runId);
    const run = this.runs[i];
    if (!run) {
      this.fetchRun(runId);
      return;
    }
    const latest = mergeLatest(run.latest, points);
    if (latest !== run.latest) this.runs = this.runs.with(i, { ...run, latest });
  }

  /**
   * A status change shows at once; the run is then read alone (its start and end times, its epochs after a resume),
   * as is a run the list has not seen.
   */
  private patchStatus({ runId, status, error, backend }: EventPayload<'run.status'>): void {
    const i = this.runs.findIndex((r) => r.id === runId);
    const run = this.runs[i];
    if (run) this.runs = this.runs.with(i, { ...run, status, error, backend: backend ?? run.backend });
    // Progress is of a training going on: a run queued again (resumed, extended) or ended shows none from before.
    if (status !== 'running') this.progress.delete(runId);
    this.fetchRun(runId);
  }

  private pendingRunIds = new Set<number>();
  private runsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Runs to read again, gathered over a moment into one `runs.list` call (a sweep queues many at once). */
  private fetchRun(runId: number): void {
    this.pendingRunIds.add(runId);
    this.runsTimer ??= setTimeout(() => {
      this.runsTimer = undefined;
      const runIds = [...this.pendingRunIds];
      this.pendingRunIds.clear();
      this.client.call('runs.list', { runIds }).then(
        (fresh) => {
          this.mergeRuns(fresh);
          this.failures = succeeded(this.failures, 'runs');
        },
        (e: unknown) => (this.failures = failed(this.failures, 'runs', e)),
      );
    }, 200);
  }

  /** A deleted run leaves the list, the comparison's selection and the live progress. */
  private forgetRun(runId: number): void {
    this.runs = this.runs.filter((r) => r.id !== runId);
    this.compareSelection = existingOnly(this.compareSelection, this.runs);
    this.progress.delete(runId);
  }

  private mergeRuns(fresh: RunSummary[]): void {
    const byId = new Map(fresh.map((r) => [r.id, r]));
    const known = new Set(this.runs.map((r) => r.id));
    const added = fresh.filter((r) => !known.has(r.id));
    // Newest first, as runs.list orders them.
    this.runs = [...added, ...this.runs.map((r) => byId.get(r.id) ?? r)].sort((a, b) => b.id - a.id);
    if (added.some((r) => r.sweepId !== null && !this.sweeps.some((s) => s.id === r.sweepId))) this.scheduleSweepsRefresh();
  }

  private sweepsTimer: ReturnType<typeof setTimeout> | undefined;
  private scheduleSweepsRefresh(): void {
    this.sweepsTimer ??= setTimeout(() => {
      this.sweepsTimer = undefined;
      void this.refreshSweeps();
    }, 300);
  }

  async load(): Promise<void> {
    const info = this.client.call('system.info', {});
    const families = this.client.call('families.list', {}).then((f) => (this.families = f));
    await Promise.all([this.refreshRuns(), this.refreshDatasets(), this.refreshSweeps(), families]);
    this.info = await info;
  }

  async refreshSweeps(): Promise<void> {
    try {
      this.sweeps = await this.client.call('sweeps.list', {});
      this.failures = succeeded(this.failures, 'sweeps');
    } catch (e) {
      this.failures = failed(this.failures, 'sweeps', e);
    }
  }

  async refreshRuns(): Promise<void> {
    try {
      this.runs = await this.client.call('runs.list', {});
      // A run deleted while this window was away (a reconnect) leaves the selection too.
      this.compareSelection = existingOnly(this.compareSelection, this.runs);
      this.failures = succeeded(this.failures, 'runs');
    } catch (e) {
      this.failures = failed(this.failures, 'runs', e);
    }
  }

  async refreshDatasets(): Promise<void> {
    try {
      this.datasets = await this.client.call('datasets.list', {});
      this.failures = succeeded(this.failures, 'datasets');
    } catch (e) {
      this.failures = failed(this.failures, 'datasets', e);
    }
  }

  /** Opens the new-run form with these data set settings (and family, e.g. the deepfake for two sets). */
  trainOn(dataset: Partial<RunConfig['dataset']> & { family?: string }): void {
    this.pendingDataset = dataset;
    this.open({ kind: 'new' });
  }

  /** A family's declarations by id (undefined until the list has loaded, or for an id the studio does not know). */
  family(id: string): FamilyInfo | undefined {
    return this.families.find((f) => f.id === id);
  }

  /** Shows a view and gives it its address (a new history entry, so that Back returns here). */
  open(view: View): void {
    this.view = view;
    const hash = hashOf(view);
    if (typeof window !== 'undefined' && window.location.hash !== hash) window.location.hash = hash;
  }

  /**
   * Changes the view's address without a new history entry (a search typed in the table). An address just opened
   * whose view is not taken up yet (its hashchange is on its way: a link, Back) wins: the view it leaves does not
   * write its own address over it.
   */
  replace(view: View): void {
    if (typeof window !== 'undefined') {
      const pending = viewOf(window.location.hash);
      if (pending && hashOf(pending) !== hashOf(this.view)) return;
      history.replaceState(history.state, '', hashOf(view));
    }
    this.view = view;
  }

  /** Ticks or unticks a run for the comparison, which takes any number of runs. */
  toggleCompare(runId: number): void {
    const i = this.compareSelection.indexOf(runId);
    if (i >= 0) this.compareSelection.splice(i, 1);
    else this.compareSelection.push(runId);
  }
}

export const studio = new StudioState();
