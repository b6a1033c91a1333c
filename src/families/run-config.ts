/**
 * The run config's checks that need the families: what depends on the data sets, the machine and the family's own
 * rules (its cross-field checks, its memory estimate), and each family's starting config. The config's structure is
 * the contract's (src/shared/config.ts).
 */
import {
  batchTooLarge,
  fieldIssues,
  issuePath,
  RunConfig,
  unreadScheduleFields,
  type DatasetLookup,
  type DatasetRef,
  type FamilyId,
  type FieldIssue,
  ruleSplit,
  type TrainingConfig,
  validationCount,
} from '../shared/config';
import type { FamilySpec, ModelCheck } from './family-spec';
import { formatBytes, latentSizeOf, memoryBudget, modelMemory, trainsOn, wasmHeapBytes } from './memory';
import { familySpec } from './specs';

type CrossFieldCheck = ModelCheck<unknown>;

export type ParseResult = { ok: true; config: RunConfig } | { ok: false; issues: FieldIssue[] };

/** What the machine allows: the memory a run may plan to use (see families/memory.ts). */
export interface MachineLimits {
  totalMemoryBytes: number;
  /** What `auto` picks on this machine, where a probe has said (wasm's 4 GiB is assumed until then). */
  autoBackend?: string;
}

/**
 * A schedule's settings that its kind does not read (cosine with a gamma: a typo for another kind, or a kind changed
 * by hand), and a warm-up as long as the run, whose rate never reaches the learning rate. Not asked of a run that
 * continues: it trained so, and its schedule goes on as it was.
 */
function scheduleIssues(config: RunConfig, issue: (path: readonly PropertyKey[], message: string) => void): void {
  const s = config.training.schedule;
  if (!s) return;
  for (const { key, readBy } of unreadScheduleFields(s)) {
    issue(
      ['training', 'schedule', key],
      `the ${s.kind} schedule does not read ${key} (${readBy.join(' and ')} ${readBy.length > 1 ? 'do' : 'does'}): remove it`,
    );
  }
  const pretraining = pretrainingEpochs(config);
  const epochs = pretraining + config.training.epochs;
  if (s.warmupEpochs !== undefined && s.warmupEpochs > 0 && s.warmupEpochs >= epochs)
    issue(
      ['training', 'schedule', 'warmupEpochs'],
      `a warm-up of ${s.warmupEpochs} epoch${s.warmupEpochs === 1 ? '' : 's'} is as long as the run (${epochs} epoch${epochs === 1 ? '' : 's'}${pretraining > 0 ? `, ${pretraining} of them pretraining` : ''}): ` +
        'the rate would never reach training.learningRate; make it shorter',
    );
  // A cosine's floor above the rate: it would climb to it, as torch's does (the plateau, as torch's, never raises the
  // rate). Equal is a flat schedule, taken: a sweep over the rate may reach its floor.
  const lr = config.training.learningRate;
  if (s.minLearningRate !== undefined && s.minLearningRate > lr && s.kind === 'cosine')
    issue(
      ['training', 'schedule', 'minLearningRate'],
      `the minimum rate ${s.minLearningRate} is above training.learningRate ${lr}: the ${s.kind} schedule would raise the rate to it; make it lower`,
    );
}

/**
 * Checks what depends on the data sets and the machine: that the sets exist, subsets, classes and the batch
 * fit them, the model fits their images; for a new run (not `continuing`), that training it fits in memory and that
 * its schedule reads every setting it is given.
 */
export function checkRunConfig(
  config: RunConfig,
  lookup: DatasetLookup,
  limits?: MachineLimits,
  continuing = false,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const issue = (path: readonly PropertyKey[], message: string) => issues.push({ path: issuePath(path), message });
  if (!continuing) scheduleIssues(config, issue);
  // Decoupled decay multiplies each weight by 1 − rate × decay every step: at 1 or more, it zeroes or flips them all.
  const { learningRate: lr, weightDecay: wd } = config.training;
  if (wd !== undefined && lr * wd >= 1)
    issue(
      ['training', 'weightDecay'],
      `with training.learningRate ${lr}, a decay of ${wd} multiplies every weight it decays by 1 − ${lr} × ${wd} = ${Number((1 - lr * wd).toPrecision(3))} each step, which zeroes or flips them: make rate × decay well below 1`,
    );
  const d = config.dataset;
  const find = (field: 'name' | 'second', name: string) => {
    const facts = lookup(name);
    if (!facts) issue(['dataset', field], `no data set named ${name}`);
    else if (!facts.available) issue(['dataset', field], `${name} is ${facts.hint ?? 'not available'}`);
    return facts?.available ? facts : undefined;
  };
  const a = find('name', d.name);
  const b = d.second === undefined ? undefined : find('second', d.second);
  if (!a || (d.second !== undefined && !b)) return issues;
  if (b && (b.height !== a.height || b.width !== a.width || b.channels !== a.channels)) {
    issue(
      ['dataset', 'second'],
      `${b.name} holds ${b.height}x${b.width}x${b.channels} images, ${a.name} ${a.height}x${a.width}x${a.channels}`,
    );
  }
  if (b && d.classes) issue(['dataset', 'classes'], 'choose classes or a second set, not both');
  const trainCount = a.trainCount + (b?.trainCount ?? 0);
  const testCount = a.testCount + (b?.testCount ?? 0);
  if (d.trainSubset !== undefined && d.trainSubset > trainCount) {
    issue(['dataset', 'trainSubset'], `${d.name} has ${trainCount} training images`);
  }
  if (d.testSubset !== undefined && d.testSubset > testCount)
    issue(['dataset', 'testSubset'], `${d.name} has ${testCount} test images`);
  if (d.classes) {
    if (a.classes === 0) issue(['dataset', 'classes'], `${d.name} has no labels to choose from`);
    const bad = d.classes.find((c) => c >= a.classes);
    if (a.classes > 0 && bad !== undefined)
      issue(['dataset', 'classes'], `${d.name} has labels 0..${a.classes - 1}; ${bad} is not one`);
  }
  const classes = b ? 2 : (d.classes?.length ?? a.classes);
  // How many images a class selection holds only its labels tell: checkRun counts them (trainingSetIssues).
  if (!d.classes) issues.push(...trainingSetIssues(config, Math.min(d.trainSubset ?? trainCount, trainCount), classes));
  metricRuleIssues(config, issue, { labels: classes > 0, twinSets: b !== undefined && a.twin === d.second });
  const spec = (familySpec(config.family) ?? {}) as { checkModel?: CrossFieldCheck };
  const image: [number, number, number] = [a.height, a.width, a.channels];
  spec.checkModel?.(config.model, { training: config.training, image, classes, continuing }, issue);
  // A run that continues has trained in this memory already: the estimate (a bound, made larger as it was measured)
  // refuses no continuation of a run it would have refused at its start.
  if (limits && issues.length === 0 && !continuing) {
    const need = modelMemory(spec, config.model, { image, classes, training: config.training });
    const backend = config.backend ?? 'auto';
    const budget = memoryBudget(limits.totalMemoryBytes, backend, limits.autoBackend);
    // Which limit binds, said as it is: half the memory, or wasm's heap (where auto trains on wasm, or may: not probed yet).
    const heapBinds = trainsOn(backend, limits.autoBackend) === 'wasm' && wasmHeapBytes < limits.totalMemoryBytes / 2;
    const why = !heapBinds
      ? ` (half of its ${formatBytes(limits.totalMemoryBytes)})`
      : backend === 'wasm'
        ? ' (wasm holds at most 4 GiB)'
        : limits.autoBackend
          ? ' (auto trains on wasm here, which holds at most 4 GiB)'
          : ' (auto may train on wasm, which holds at most 4 GiB; name the backend to train it on another)';
    if (need && need.bytes > budget) {
      const largest = Math.max(need.parameterBytes, need.activationBytes, need.quantiserBytes);
      const remedy =
        largest === need.quantiserBytes
          ? 'use fewer code positions or a smaller codebook (most of it is the distances from every position to every code, in a test batch of 256)'
          : largest === need.activationBytes
            ? 'train with a smaller batch (most of it is activations) or narrower layers'
            : 'make the layers narrower';
      issue(
        ['model'],
        `this ${config.family} model would need about ${formatBytes(need.bytes)} to train (${need.params.toExponential(2)} parameters: ` +
          `${formatBytes(need.parameterBytes)} for weights, gradients, optimizer state and an update's new copies, ` +
          `${formatBytes(need.activationBytes)} of activations at batch ${config.training.batchSize}` +
          `${need.quantiserBytes > 0 ? `, ${formatBytes(need.quantiserBytes)} for the quantiser's distances` : ''}), over this machine's budget of ${formatBytes(budget)}` +
          `${why}: ${remedy}`,
      );
    }
  }
  return issues;
}

/**
 * What every run reports on its test (and validation) split: its loss, its reconstruction term, and the per-pixel MSE
 * of its reconstructions (src/families/epoch-leaks.test.ts, in the long tier, checks each family reports them and nothing undeclared).
 */
export const everyRunReports = ['loss', 'reconstruction', 'mse'];

/**
 * The metrics a run of this config reports on its test split, by declared name: its loss parts and own figures, less
 * those its model does not report (FamilySpec.unreported), and with a per-dimension set's prefix and its size.
 */
function reportedMetrics(config: Pick<RunConfig, 'family' | 'model'>) {
  const spec = familySpec(config.family);
  const unreported = new Set(spec?.unreported?.(config.model) ?? []);
  const declared = (spec?.metrics ?? []).filter((m) => !m.afterTraining && !unreported.has(m.name));
  return { declared, dimensions: spec ? latentSizeOf(spec, config.model) : undefined };
}

/**
 * Whether a run of this config reports a metric `name` on its test split: the loss and MSE, the family's declared
 * metrics (its loss parts, its own figures) and one of a per-dimension set (kl_dim_3, below the latent size). A rule
 * on any other name would find nothing at its first epoch.
 */
export function reportsMetric(config: Pick<RunConfig, 'family' | 'model'>, name: string): boolean {
  const { declared, dimensions } = reportedMetrics(config);
  const inSet = (prefix: string) => {
    const d = new RegExp(`^${prefix}(\\d+)$`).exec(name)?.[1];
    return d !== undefined && (dimensions === undefined || Number(d) < dimensions);
  };
  return everyRunReports.includes(name) || declared.some((m) => (m.perDimension ? inSet(m.perDimension) : m.name === name));
}

/** The metrics a rule may read, in words: "loss, mse, neg_elbo, reconstruction, kl, kl_dim_0 … kl_dim_19". */
function reportedInWords(config: Pick<RunConfig, 'family' | 'model'>): string {
  const { declared, dimensions } = reportedMetrics(config);
  const set = (prefix: string) =>
    dimensions === undefined ? `${prefix}<d>` : dimensions === 1 ? `${prefix}0` : `${prefix}0 … ${prefix}${dimensions - 1}`;
  const names = [...everyRunReports, ...declared.map((m) => (m.perDimension ? set(m.perDimension) : m.name))];
  return [...new Set(names)].join(', ');
}

/** A rule that reads a test metric (early stopping, the plateau, the best checkpoint) on one the run will not report. */
function metricRuleIssues(
  config: RunConfig,
  issue: (path: readonly PropertyKey[], message: string) => void,
  has: { labels: boolean; twinSets: boolean },
): void {
  const t = config.training;
  const declared = familySpec(config.family)?.metrics ?? [];
  const rules: [PropertyKey[], string | undefined][] = [
    [['training', 'earlyStopping', 'metric'], t.earlyStopping?.metric],
    [['training', 'schedule', 'metric'], t.schedule?.kind === 'plateau' ? (t.schedule.metric ?? 'loss') : undefined],
    [['training', 'checkpoints', 'keepBest', 'metric'], t.checkpoints?.keepBest?.metric],
  ];
  for (const [path, name] of rules) {
    if (name !== undefined && !reportsMetric(config, name)) {
      issue(path, `${name} is not a metric this ${config.family} run reports: choose one of ${reportedInWords(config)}`);
      continue;
    }
    const metric = declared.find((m) => m.name === name);
    const losses = metric?.losses;
    if (losses && !losses.includes(t.loss))
      issue(path, `test ${name} is not reported for runs trained with ${t.loss} (only with ${losses.join(', ')})`);
    else if (metric?.needs && !has[metric.needs])
      issue(
        path,
        metric.needs === 'labels'
          ? `${name} needs the data set's labels, and ${config.dataset.name} has none: the rule would find no value`
          : `${name} is measured on a twin pair of sets (dataset.second naming ${config.dataset.name}'s twin), which this run does not train on`,
      );
    // With a validation split the rules read it; this figure is the test split's alone.
    else if (metric?.testOnly && ruleSplit(config.dataset) === 'val')
      issue(
        path,
        `${name} is measured on the test split alone, and with dataset.validationFraction set the rules read the validation split: choose a metric it reports (loss, mse…) or hold no validation split out`,
      );
  }
}

/**
 * What the number of images the run is given (`selected`: its subset, or the images of its classes) must allow: a
 * validation split of two or more, a batch no larger than the images that train (those left once the validation
 * split is held out), and what the family needs of them (DEC's k-means, a code per cluster).
 */
export function trainingSetIssues(config: RunConfig, selected: number, classes: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const issue = (path: readonly PropertyKey[], message: string) => issues.push({ path: issuePath(path), message });
  const d = config.dataset;
  let training = selected;
  if (d.validationFraction !== undefined) {
    if (selected < 2)
      issue(['dataset', 'validationFraction'], `a validation split needs at least 2 training images, and there are ${selected}`);
    else training -= validationCount(selected, d.validationFraction);
  }
  if (config.training.batchSize > training)
    issue(['training', 'batchSize'], batchTooLarge(config.training.batchSize, training, d.name));
  const spec = (familySpec(config.family) ?? {}) as Pick<FamilySpec<unknown>, 'checkTrainImages'>;
  spec.checkTrainImages?.(config.model, { classes, images: training }, issue);
  return issues;
}

/** Parses a config and, given the data sets, checks it against them: every issue names its field. */
export function parseRunConfig(input: unknown, lookup?: DatasetLookup, limits?: MachineLimits): ParseResult {
  const r = RunConfig.safeParse(input);
  if (!r.success) return { ok: false, issues: fieldIssues(r.error) };
  const issues = lookup ? checkRunConfig(r.data, lookup, limits) : [];
  return issues.length === 0 ? { ok: true, config: r.data } : { ok: false, issues };
}

/** Why a run's reconstructions are no measure of it, where they are not (FamilySpec.untrainedDecoder). */
export function untrainedDecoder(config: Pick<RunConfig, 'family' | 'model'>): string | undefined {
  return familySpec(config.family)?.untrainedDecoder?.(config.model);
}

/** What a run's training loss adds up to: its model's own (FamilySpec.objectiveOf), else its family's, if more than the reconstruction. */
export function trainingObjective(config: Pick<RunConfig, 'family' | 'model'>): string | undefined {
  const spec = familySpec(config.family);
  return spec?.objectiveOf?.(config.model) ?? spec?.objective;
}

/** Where a phased family's run turns to its next phase (FamilySpec.phases; none for the rest). */
export function trainingPhases(config: Pick<RunConfig, 'family' | 'model'>): { epoch: number; label: string }[] {
  return familySpec(config.family)?.phases?.(config.model) ?? [];
}

/** Epochs a run trains before its configured ones (a phased family's pretraining; 0 for the rest). */
export function pretrainingEpochs(config: Pick<RunConfig, 'family' | 'model'>): number {
  return familySpec(config.family)?.pretrainingEpochs?.(config.model) ?? 0;
}

/**
 * The epochs a rule reading `metric` passes over (early stopping, the plateau, the best checkpoint): a phased family's
 * pretraining, and for the loss the epochs before a schedule inside it ends (a KL warm-up of W epochs: the first W − 1,
 * whose losses weigh the KL by β·e/W; from epoch W on it is the run's one objective).
 */
export function epochsBeforeRules(config: Pick<RunConfig, 'family' | 'model'>, metric: string): number {
  const settles = metric === 'loss' ? (familySpec(config.family)?.lossSettles?.(config.model) ?? 0) : 0;
  return pretrainingEpochs(config) + Math.max(0, Math.ceil(settles) - 1);
}

/**
 * The epochs a run trains in all, in words: "5 epochs", or for a phased family "10 epochs: 5 pretraining + 5"
 * (its `training.epochs` counts only those after the pretraining; its curves, checkpoints and progress count all).
 */
export function epochsInWords(config: Pick<RunConfig, 'family' | 'model'>, epochs: number): string {
  const pretraining = pretrainingEpochs(config);
  const total = pretraining + epochs;
  const words = `${total} epoch${total === 1 ? '' : 's'}`;
  return pretraining > 0 ? `${words}: ${pretraining} pretraining + ${epochs}` : words;
}

/** A family's starting config: a built-in's (typed), or that of a family registered at start, by id. */
export function defaultRunConfig(family: FamilyId | (string & {}) = 'autoencoder'): RunConfig {
  const spec:
    { defaultModel: unknown; defaultTraining?: Partial<TrainingConfig>; defaultDataset?: Partial<DatasetRef> } | undefined =
    familySpec(family);
  if (!spec) throw new Error(`no model family named ${family}`);
  // The family's own default model, so the pair is one member of the RunConfig union.
  return {
    family,
    model: structuredClone(spec.defaultModel),
    dataset: { name: 'mnist', trainSubset: 6000, testSubset: 1000, ...spec.defaultDataset },
    training: { loss: 'mse', batchSize: 64, epochs: 5, learningRate: 0.001, optimizer: 'adam', seed: 1, ...spec.defaultTraining },
    backend: 'auto',
  } as RunConfig;
}
