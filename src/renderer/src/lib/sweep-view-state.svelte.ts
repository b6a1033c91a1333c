import { untrack } from 'svelte';
import { issuePath, type FieldIssue, type RunConfig } from '../../../shared/config';
import type { EvaluationKind } from '../../../shared/evaluation-kinds';
import { SweepSpec, sweepSize } from '../../../shared/sweep';
import { epochMetricNames } from '../../../shared/sweep-search';
import { ClientError } from './client';
import { checkSlurmOptions, slurmOptionsOf, type SlurmForm } from './slurm-form';
import { studio } from './studio.svelte';
import {
  buildSweepSpec,
  configFields,
  defaultStartupTrials,
  issuesAt,
  lossScaleWarning,
  parameterIssues,
  type ParameterRow,
} from './sweep-form';
import {
  applyFixedValues,
  applicableEvaluations,
  applicableOnly,
  datasetChoices,
  duplicatePaths,
  emptyParameterRow,
  formIssues,
  readBaseValue,
  suggestSweepName,
  sweepBaseFields,
  unreportedMetrics,
  writeBaseValue,
  type FixedValue,
  type SweepPreview,
} from './sweep-view';

/**
 * The new-sweep form: its base config (a preset, or the config handed in, edited), the sweep's settings and
 * parameters, where its runs train, and the preview the core checks as the form changes. Made while a component
 * initialises: its effects (the scheduler's limit, the preset's config, the debounced dry run) last as long as it.
 */
export class SweepFormState {
  /** A config handed in (the new-run form's): the sweep's base until a preset is chosen instead. */
  readonly handed: RunConfig | null;
  /** '' = the config handed in; otherwise a preset's name. */
  source: string;
  baseConfig: Record<string, unknown> | null;
  /** The base differs from the preset it was read from, so the spec carries the whole config. */
  edited = $state(false);
  baseError = $state<string | null>(null);

  name = $state('');
  nameTouched = $state(false);
  method = $state<'grid' | 'random' | 'bayes'>('grid');
  /** The objective (bayes, Hyperband, a front), and a second one for a front of two. */
  metricName = $state('test.loss');
  goal = $state<'minimize' | 'maximize'>('minimize');
  secondName = $state('');
  secondGoal = $state<'minimize' | 'maximize'>('minimize');
  /** Hyperband's early termination: off, or its first rung and eta. */
  hyperband = $state(false);
  minIter = $state<number | undefined>(1);
  eta = $state<number | undefined>(3);
  concurrency = $state<number | undefined>(2);
  /** Random runs before TPE proposes, as the user set them (Optuna's n_startup_trials); unset, `startup` says. */
  startupTrials = $state<number | undefined>(undefined);
  count = $state<number | undefined>(10);
  /** The random start the sweep gets: the user's, else half its runs up to 10 (defaultStartupTrials). */
  readonly startup = $derived(this.startupTrials ?? defaultStartupTrials(this.count));
  maxRuns = $state<number | undefined>(100);
  seed = $state<number | undefined>(0);
  /** What to evaluate of each run as it completes. */
  evaluate = $state<EvaluationKind[]>([]);
  private nextId = 1;
  rows: ParameterRow[];
  /** Where the runs train: this machine's queue, or a Slurm cluster (one job array) with these sbatch options. */
  target = $state<'local' | 'slurm'>('local');
  slurmForm = $state<SlurmForm>({ cpusPerTask: 1 });
  /** sbatch's refusal of the last submission, until the options change. */
  submitError = $state<string | null>(null);
  maxConcurrent = $state<number | null>(null);
  slurm = $derived(this.target === 'slurm' ? slurmOptionsOf(this.slurmForm) : undefined);
  fixed = $state<FixedValue[]>([]);

  constructor(handedIn: () => RunConfig | undefined) {
    this.handed = untrack(() => {
      const h = handedIn();
      return h ? structuredClone<RunConfig>($state.snapshot(h)) : null;
    });
    this.source = $state(this.handed ? '' : (studio.families[0]?.presets[0]?.name ?? ''));
    this.baseConfig = $state(this.handed as Record<string, unknown> | null);
    this.rows = $state([emptyParameterRow(this.nextId++)]);

    // The queue's limit, read again whenever the scheduler's settings change (the sidebar's "At once", another window).
    const readLimit = () =>
      studio.client.call('scheduler.get', {}).then(
        (s) => (this.maxConcurrent = s.maxConcurrent),
        () => undefined,
      );
    $effect(() => {
      void readLimit();
      return studio.client.on((event) => {
        if (event.name === 'scheduler.changed') void readLimit();
      });
    });
    $effect(() => {
      void this.slurm;
      this.submitError = null;
    });
    // Families arrive after the first paint: start from their first preset when nothing was handed in.
    $effect(() => {
      const first = studio.families[0]?.presets[0]?.name;
      if (!this.handed && untrack(() => this.source) === '' && first) this.source = first;
    });
    $effect(() => this.readPreset());
    // A kind that no longer applies (another preset or data set) is dropped from the choice.
    $effect(() => {
      const options = this.evaluationOptions;
      const kept = untrack(() => applicableOnly(this.evaluate, options));
      if (kept) this.evaluate = kept;
    });
    $effect(() => this.checkPreview());
  }

  /** Reads the chosen preset's config as the base (an effect: again whenever the choice changes). */
  private readPreset(): void {
    const preset = this.source;
    if (preset === '') return;
    this.baseError = null;
    studio.client.call('presets.get', { name: preset }).then(
      (config) => {
        if (untrack(() => this.source) !== preset) return;
        this.baseConfig = config;
        this.edited = false;
      },
      (e: unknown) => (this.baseError = e instanceof Error ? e.message : String(e)),
    );
  }

  chooseSource(value: string): void {
    this.source = value;
    if (value === '' && this.handed) {
      this.baseConfig = structuredClone(this.handed);
      this.edited = false;
    }
  }

  /** The base with the fixed values applied, and what could not be applied. */
  effective = $derived.by((): { config: Record<string, unknown> | null; issues: FieldIssue[] } => {
    if (!this.baseConfig) return { config: null, issues: [] };
    return applyFixedValues($state.snapshot(this.baseConfig), this.fixed);
  });
  fields = $derived(this.effective.config ? configFields(this.effective.config) : []);
  family = $derived(typeof this.effective.config?.['family'] === 'string' ? this.effective.config['family'] : '');
  familyLabel = $derived(studio.family(this.family)?.label ?? this.family);

  /** A name no sweep has yet, from the base's: "vae-mnist sweep", "vae-mnist sweep 2", … */
  suggestedName = $derived.by(() => {
    const handed = this.handed;
    const base = this.source || (typeof handed?.['name'] === 'string' ? handed['name'] : (handed?.family ?? 'new'));
    return suggestSweepName(
      base,
      studio.sweeps.map((s) => s.name),
    );
  });
  sweepName = $derived(this.nameTouched ? this.name : this.suggestedName);
  rename(text: string): void {
    this.nameTouched = true;
    this.name = text;
  }

  spec = $derived.by(() => {
    const unchanged = this.source !== '' && !this.edited && this.fixed.length === 0;
    return buildSweepSpec({
      name: this.sweepName,
      base: unchanged ? this.source : (this.effective.config ?? this.source),
      method: this.method,
      parameters: this.rows,
      count: this.count,
      maxRuns: this.maxRuns,
      seed: this.seed,
      evaluate: this.evaluate,
      metric: { name: this.metricName, goal: this.goal },
      secondMetric: this.secondName ? { name: this.secondName, goal: this.secondGoal } : null,
      hyperband: this.hyperband ? { min_iter: this.minIter, eta: this.eta } : null,
      concurrency: this.concurrency,
      startupTrials: this.startup,
    });
  });

  /** The metrics the base's runs report each epoch: what the sweep can optimise and judge runs by. */
  metricChoices = $derived.by(() => {
    const unreported = unreportedMetrics(this.family, this.effective.config, this.rows);
    return epochMetricNames(
      studio.family(this.family)?.metrics ?? [],
      (this.effective.config?.['training'] as { loss?: string } | undefined)?.loss,
      // Held out by the base, or swept (each of its values holds one out).
      (this.effective.config?.['dataset'] as { validationFraction?: number } | undefined)?.validationFraction !== undefined ||
        this.rows.some((r) => r.path.trim() === 'dataset.validationFraction'),
      this.datasetGives,
      this.hyperband,
    ).filter((name) => !unreported.includes(name));
  });

  /** Why the objective cannot judge these runs (a loss, and the sweep varies what defines it); null when it can. */
  metricWarning = $derived.by(
    () =>
      [this.metricName, this.secondName]
        .filter((m) => m !== '')
        .map((m) =>
          lossScaleWarning(
            m,
            this.rows.map((r) => r.path.trim()),
            this.fields,
            this.metricChoices,
            studio.family(this.family)?.metrics ?? [],
          ),
        )
        .find((w) => w !== null) ?? null,
  );

  /** What the base's data set gives the figures that need it (labels, a twin pair); unknown while it is swept. */
  datasetGives = $derived.by(() => {
    if (this.rows.some((r) => r.path.trim().startsWith('dataset.'))) return undefined;
    const d = this.effective.config?.['dataset'] as { name?: string; classes?: number[]; second?: string } | undefined;
    const info = studio.datasets.find((s) => s.name === d?.name);
    if (!d || !info) return undefined;
    return {
      labels: d.second !== undefined || d.classes !== undefined || info.classes > 0,
      twinSets: d.second !== undefined && info.twin === d.second,
    };
  });

  /** The evaluations that apply to the base's family and data set (the sweep check refuses the rest, naming the run). */
  evaluationOptions = $derived.by(() => {
    const datasetName = (this.effective.config?.['dataset'] as { name?: string } | undefined)?.name;
    return applicableEvaluations(
      studio.family(this.family)?.evaluation,
      studio.datasets.find((d) => d.name === datasetName),
    );
  });
  toggleEvaluation(kind: EvaluationKind, on: boolean): void {
    this.evaluate = on ? [...this.evaluate, kind] : this.evaluate.filter((k) => k !== kind);
  }

  // The common base settings, edited in place; anything else through "fixed values".
  baseFieldSchemas = $derived(sweepBaseFields());
  datasetOptions = $derived(datasetChoices(studio.datasets));
  baseValue(path: string): unknown {
    return readBaseValue(this.baseConfig, path);
  }
  setBase(path: string, value: unknown): void {
    if (!this.baseConfig) return;
    if (writeBaseValue(this.baseConfig, path, value)) this.edited = true;
  }

  // ---- Parameters and fixed values.
  addRow(): void {
    this.rows.push(emptyParameterRow(this.nextId++));
  }
  patchRow(row: ParameterRow, patch: Partial<ParameterRow>): void {
    Object.assign(row, patch);
  }
  removeRow(id: number): void {
    this.rows = this.rows.filter((r) => r.id !== id);
  }
  addFixed(): void {
    this.fixed.push({ id: this.nextId++, path: '', value: '' });
  }
  patchFixed(f: FixedValue, patch: Partial<Omit<FixedValue, 'id'>>): void {
    Object.assign(f, patch);
  }
  removeFixed(id: number): void {
    this.fixed = this.fixed.filter((x) => x.id !== id);
  }

  // ---- The preview: the spec checked locally, then expanded and checked by the core (dry run), debounced.
  preview = $state.raw<SweepPreview>({ state: 'checking' });
  private previewSeq = 0;

  /** Checks the spec here, then (350 ms later, unless it changes) by the core's dry run; returns the cleanup. */
  private checkPreview(): (() => void) | undefined {
    const input = this.spec;
    const applied = this.effective.issues;
    const options = this.slurm;
    const seq = ++this.previewSeq;
    const local = SweepSpec.safeParse(input);
    const slurmIssues = options ? checkSlurmOptions(options).issues : [];
    if (!local.success || applied.length > 0 || slurmIssues.length > 0) {
      const issues = local.success ? [] : local.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
      this.preview = { state: 'refused', issues: [...applied, ...issues, ...slurmIssues] };
      return;
    }
    this.preview = { state: 'checking' };
    const timer = setTimeout(() => {
      // The dry run checks the Slurm options too (the contract's schema); nothing is submitted.
      studio.client.call('sweeps.create', { spec: input, dryRun: true, ...(options ? { slurm: options } : {}) }).then(
        (r) => {
          if (seq !== this.previewSeq) return;
          this.preview = r.issues.length > 0 ? { state: 'refused', issues: formIssues(r.issues) } : { state: 'ok', runs: r.runs };
        },
        (e: unknown) => {
          if (seq !== this.previewSeq) return;
          this.preview =
            e instanceof ClientError && e.issues.length > 0
              ? { state: 'refused', issues: formIssues(e.issues) }
              : { state: 'error', message: e instanceof Error ? e.message : String(e) };
        },
      );
    }, 350);
    return () => clearTimeout(timer);
  }

  issues = $derived(this.preview.state === 'refused' ? this.preview.issues : []);
  byRow = $derived.by(() =>
    parameterIssues(
      this.issues,
      this.rows.map((r) => r.path),
    ),
  );
  at(path: string) {
    return issuesAt(this.issues, path);
  }
  /** How many runs the spec makes, known before the core answers. */
  plannedSize = $derived.by(() => {
    const parsed = SweepSpec.safeParse(this.spec);
    return parsed.success ? sweepSize(parsed.data) : null;
  });
  duplicates = $derived.by(() => duplicatePaths(this.rows.map((r) => r.path)));
  /** The runs the preview lists, once the core has checked them. */
  previewRuns = $derived(this.preview.state === 'ok' ? this.preview.runs.length : null);
  /** The runs the sweep makes in all, once checked: a bayes sweep lists its first proposals and makes the rest later. */
  totalRuns = $derived(this.previewRuns !== null && this.method === 'bayes' ? this.plannedSize : this.previewRuns);

  starting = $state(false);
  startError = $state<string | null>(null);
  /** Enter was pressed while the preview was being checked: the sweep starts once it is found good. */
  startAsked = $state(false);
  /**
   * Start as Enter asks it: now where the preview is good, once it is where it is being checked (`startAsked`), and
   * not where it is refused (the answer is false: the view shows the problems).
   */
  askStart(): boolean {
    if (this.starting) return true;
    if (this.preview.state === 'ok') {
      void this.start();
      return true;
    }
    this.startAsked = this.preview.state === 'checking';
    return this.startAsked;
  }
  async start(): Promise<void> {
    if (this.preview.state !== 'ok') return;
    this.starting = true;
    this.startError = null;
    const options = this.slurm;
    try {
      const { sweepId } = await studio.client.call('sweeps.create', {
        spec: this.spec,
        ...(options ? { slurm: options } : {}),
      });
      await studio.refreshSweeps();
      if (sweepId !== null) studio.open({ kind: 'runs', sweepId });
    } catch (e) {
      const refusal = e instanceof ClientError ? e.issues.find((i) => i.path === 'slurm') : undefined;
      if (refusal) {
        // sbatch refused it (a partition, an account, the controller): shown beside the Slurm options, which can be
        // changed or submitted again as they are.
        this.submitError = refusal.message;
        return;
      }
      if (e instanceof ClientError && e.issues.length > 0) {
        this.preview = { state: 'refused', issues: formIssues(e.issues) };
      }
      this.startError = e instanceof Error ? e.message : String(e);
    } finally {
      this.starting = false;
    }
  }
}
