/**
 * The worker side of an evaluation: gathers a rebuilt model's codes of the run's test split (posterior means for
 * VAEs) and hands them to the pure metrics in src/analysis. Nothing here computes a metric itself.
 */
import type { DatasetFactor, EvaluationDetails, EvaluationKind } from '../../shared/api';
import type { BuiltModel } from '../../families/family-model';
import { computeClustering, clusteringDefaults } from '../../analysis/clustering';
import { activeUnits, computeIwNll } from '../../analysis/iw-nll';
import { computeProbes, probeDefaults, type ProbeFigure } from '../../analysis/probes';
import type { ImageGenerator } from '../datasets/generators/generator';
import { classCount, fillBatch, fillOneHot, pixelsPerImage, type ImageDataset, type ImageSplit } from '../../ml/dataset';
import type { PixelBaseline, PixelBaselines } from '../training/protocol';
import { deriveSeed } from '../../shared/random';
import { readFloats } from '../../ml/read';
import { tf } from '../../ml/tf';
import { disentanglementSteps, scoreDisentanglement } from './disentanglement';
import { allIndices, encodeImages, pixelsOf } from './encode';

export { encodeImages, generatorFactorSource, testLatents } from './encode';

/** Most decoder rows (images × importance samples) per NLL call. */
const nllRowsPerCall = 4096;

/** Up to `perClass` training images of each class, the first ones of the split: the pool the probes draw from. */
function labelledPool(split: ImageSplit, perClass: number): Uint32Array {
  const taken = new Map<number, number>();
  const chosen: number[] = [];
  split.labels?.forEach((label, i) => {
    const n = taken.get(label) ?? 0;
    if (n < perClass) {
      taken.set(label, n + 1);
      chosen.push(i);
    }
  });
  return Uint32Array.from(chosen);
}

function smallestClass(labels: Uint8Array): number {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return Math.min(...counts.values());
}

export interface EvaluationOutcome {
  figures: Record<string, number>;
  details: EvaluationDetails;
  settings: Record<string, unknown>;
  /** The raw-pixel baselines computed here (not those given), for the studio to keep. */
  baselines: PixelBaselines;
}

/** Runs the metrics asked for on a model rebuilt at a checkpoint. */
export async function evaluateModel(
  model: BuiltModel,
  family: string,
  dataset: ImageDataset,
  factorDeclarations: DatasetFactor[],
  request: {
    what: readonly EvaluationKind[];
    seed: number;
    nllSamples: number;
    scorePoints: number;
    /** Images drawn from a generated set for MIG, SAP and DCI; null: the test split's (see disentanglement.ts). */
    disentanglementPoints: number | null;
    /** Baselines computed before for the same images, seed and settings. */
    baselines?: PixelBaselines;
  },
  /** The generator of a generated set, for the β-VAE and FactorVAE scores (left out without one). */
  renderer: { generator: ImageGenerator; identity: number } | null = null,
  /** Told as each step starts: its words, its place (from 1) and how many steps there are. */
  onStep?: (step: string, at: number, steps: number) => void,
): Promise<EvaluationOutcome> {
  const { what, seed } = request;
  const test = dataset.test;
  const pixels = pixelsPerImage(dataset);
  const figures: Record<string, number> = {};
  const details: EvaluationDetails = {};
  const settings: Record<string, unknown> = { images: test.count, dataset: dataset.name };
  const needLabels = (kind: string): Uint8Array => {
    if (!test.labels) throw new Error(`what: ${kind} needs labels, and ${dataset.name} has none`);
    return test.labels;
  };
  let testPixels: Float32Array | undefined;
  const rawTest = () => (testPixels ??= pixelsOf(test, pixels, allIndices(test.count)));
  const seconds: Record<string, number> = {};
  const given = request.baselines ?? {};
  const computed: PixelBaselines = {};
  /** The baseline of `kind`: the one given, or computed now (and returned to be kept). */
  const baseline = (kind: 'clustering' | 'probe', compute: () => Omit<PixelBaseline, 'seconds'>): PixelBaseline => {
    const known = given[kind];
    if (known) return known;
    const start = performance.now();
    const fresh = { ...compute(), seconds: Number(((performance.now() - start) / 1000).toFixed(3)) };
    computed[kind] = fresh;
    return fresh;
  };
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    seconds[name] = Number(((now - mark) / 1000).toFixed(3));
    mark = now;
  };
  const factorSteps = disentanglementSteps(request.disentanglementPoints, renderer);
  // The steps, planned from what is asked (a baseline known from before is no step), told as each starts.
  const words: Record<string, string> = {
    encode: `encoding the ${test.count} test images`,
    clustering: 'clustering the codes',
    clustering_pixels: 'clustering the raw pixels (the baseline)',
    probe: 'probes on the codes',
    probe_pixels: 'probes on the raw pixels (the baseline)',
    ...Object.fromEntries(factorSteps.map((d) => [d.step, d.words])),
    nll: `the importance-weighted NLL (K = ${request.nllSamples})`,
  };
  const plan = [
    'encode',
    ...(what.includes('clustering') ? ['clustering', ...(given.clustering ? [] : ['clustering_pixels'])] : []),
    ...(what.includes('probe') ? ['probe', ...(given.probe ? [] : ['probe_pixels'])] : []),
    ...(what.includes('disentanglement') ? factorSteps.map((d) => d.step) : []),
    ...(what.includes('nll') ? ['nll'] : []),
  ];
  const begin = (step: string) => onStep?.(words[step] ?? step, plan.indexOf(step) + 1, plan.length);
  begin('encode');
  // Every kind reads the test codes (the NLL its active units).
  const testCodes = await encodeImages(model, family, dataset, test, allIndices(test.count));
  lap('encode');
  const codes = { values: testCodes.codes, dim: testCodes.dim };

  if (what.includes('clustering')) {
    const labels = needLabels('clustering');
    begin('clustering');
    const options = { seed, algorithms: clusteringDefaults.algorithms };
    const onCodes = computeClustering(codes, labels, options);
    lap('clustering');
    // The baseline beside it: k-means alone on the raw pixels of the same images (computed once per images and seed).
    if (!given.clustering) begin('clustering_pixels');
    const pixelBaseline = baseline('clustering', () => {
      const onPixels = computeClustering({ values: rawTest(), dim: pixels }, labels, { seed, algorithms: ['kmeans'] });
      const k = onPixels.kmeans!;
      return {
        figures: { pixels_kmeans_acc: k.accuracy, pixels_kmeans_nmi: k.nmi, pixels_kmeans_ari: k.ari },
        details: { clustering: { clusters: onPixels.clusters, images: test.count, confusion: { pixels_kmeans: k.confusion } } },
      };
    });
    const confusion: Record<string, NonNullable<EvaluationDetails['clustering']>['confusion'][string]> = {};
    const record = (
      prefix: string,
      scores: { accuracy: number; nmi: number; ari: number; confusion: (typeof confusion)[string] } | undefined,
    ) => {
      if (!scores) return;
      figures[`${prefix}_acc`] = scores.accuracy;
      figures[`${prefix}_nmi`] = scores.nmi;
      figures[`${prefix}_ari`] = scores.ari;
      confusion[prefix] = scores.confusion;
    };
    lap('clustering_pixels');
    record('kmeans', onCodes.kmeans);
    record('gmm', onCodes.gaussianMixture);
    Object.assign(figures, pixelBaseline.figures);
    Object.assign(confusion, pixelBaseline.details.clustering?.confusion);
    details.clustering = { clusters: onCodes.clusters, images: test.count, confusion };
    settings['clustering'] = {
      clusters: onCodes.clusters,
      codes: ['kmeans', 'gaussian-mixture'],
      pixels: ['kmeans'],
      kmeans: clusteringDefaults.kmeans,
      gaussianMixture: clusteringDefaults.gaussianMixture,
      seed,
    };
  }

  if (what.includes('probe')) {
    const labels = needLabels('probe');
    const train = dataset.train;
    if (!train.labels) throw new Error(`what: probe needs labelled training images, and ${dataset.name} has none`);
    // Only the budgets every class can fill; a set with fewer than 10 images of some class probes with what it has.
    const fewest = smallestClass(train.labels);
    let budgets = probeDefaults.budgets.filter((b) => b.labelsPerClass <= fewest);
    if (budgets.length === 0 && fewest > 0) budgets = [{ labelsPerClass: fewest, draws: 5 }];
    // Twice the largest budget where the classes have it: drawn from a pool of exactly its size, every draw of the
    // largest budget would be the same images.
    const poolPerClass = Math.min(fewest, 2 * Math.max(...budgets.map((b) => b.labelsPerClass)));
    const pool = labelledPool(train, poolPerClass);
    const poolLabels = Uint8Array.from(pool, (i) => train.labels![i]!);
    begin('probe');
    const poolCodes = await encodeImages(model, family, dataset, train, pool);
    const options = { seed, budgets };
    const onCodes = computeProbes(
      { codes: { values: poolCodes.codes, dim: poolCodes.dim }, labels: poolLabels },
      { codes, labels },
      options,
    );
    lap('probe');
    const row = (features: 'codes' | 'pixels') => (p: ProbeFigure) => ({ features, ...p });
    if (!given.probe) begin('probe_pixels');
    const pixelBaseline = baseline('probe', () => {
      const onPixels = computeProbes(
        { codes: { values: pixelsOf(train, pixels, pool), dim: pixels }, labels: poolLabels },
        { codes: { values: rawTest(), dim: pixels }, labels },
        options,
      );
      return {
        figures: Object.fromEntries(onPixels.probes.map((p) => [`pixels_probe_${p.labelsPerClass}_acc`, p.meanAccuracy])),
        details: { probes: onPixels.probes.map(row('pixels')) },
      };
    });
    lap('probe_pixels');
    details.probes = [...onCodes.probes.map(row('codes')), ...(pixelBaseline.details.probes ?? [])];
    for (const p of onCodes.probes) figures[`probe_${p.labelsPerClass}_acc`] = p.meanAccuracy;
    Object.assign(figures, pixelBaseline.figures);
    settings['probe'] = {
      budgets,
      // The default budgets no class can fill here, said beside the figures (not silently dropped).
      leftOut: probeDefaults.budgets.map((b) => b.labelsPerClass).filter((n) => n > fewest),
      smallestClass: fewest,
      pool: `the first ${poolPerClass} images of each class in the training split`,
      inverseRegularisation: probeDefaults.inverseRegularisation,
      maxIterations: probeDefaults.maxIterations,
      standardise: true,
      seed,
    };
  }

  if (what.includes('disentanglement')) {
    const outcome = await scoreDisentanglement({
      model,
      family,
      dataset,
      factorDeclarations,
      testCodes: codes,
      seed,
      scorePoints: request.scorePoints,
      points: request.disentanglementPoints,
      renderer,
      begin,
      lap,
    });
    Object.assign(figures, outcome.figures);
    details.disentanglement = outcome.details;
    settings['disentanglement'] = outcome.settings;
  }

  if (what.includes('nll')) {
    if (!model.logImportanceWeights) throw new Error(`what: nll needs a family with a likelihood (a VAE); ${family} has none`);
    begin('nll');
    const samples = request.nllSamples;
    const perCall = Math.max(1, Math.floor(nllRowsPerCall / samples));
    const classes = Math.max(classCount(dataset), 1);
    const logWeights = new Float64Array(test.count * samples);
    let likelihood = '';
    const x = new Float32Array(perCall * pixels);
    const oneHot = new Float32Array(perCall * classes);
    const order = allIndices(test.count);
    for (let start = 0, call = 0; start < test.count; start += perCall, call++) {
      const batch = order.subarray(start, start + perCall);
      const n = batch.length;
      fillBatch(test, pixels, batch, x);
      if (model.conditional) fillOneHot(test, classes, batch, oneHot);
      const values = await readFloats(() => {
        const xt = tf.tensor2d(x.slice(0, n * pixels), [n, pixels]);
        const labels = model.conditional ? tf.tensor2d(oneHot.slice(0, n * classes), [n, classes]) : undefined;
        const out = model.logImportanceWeights!(xt, samples, deriveSeed(seed, 1000 + call), labels);
        likelihood = out.likelihood;
        return out.logWeights;
      });
      logWeights.set(values, start * samples);
    }
    const nll = computeIwNll({ values: logWeights, dim: samples });
    lap('nll');
    const active = activeUnits(codes);
    figures['iw_nll'] = nll.nll;
    figures['neg_elbo'] = nll.negativeElbo;
    figures['active_units'] = active.count;
    details.nll = {
      samples,
      images: test.count,
      likelihood,
      activeUnits: active.count,
      posteriorMeanVariances: Array.from(active.variances),
    };
    settings['nll'] = { samples, activeUnitThreshold: 0.01, seed };
  }
  details.seconds = seconds;
  // Figures that are not numbers (a MIG over constant factors) are left out rather than stored as null.
  for (const [name, value] of Object.entries(figures)) if (!Number.isFinite(value)) delete figures[name];
  settings['pixelBaselines'] = Object.fromEntries(
    (['clustering', 'probe'] as const)
      .filter((k) => what.includes(k))
      .map((k) => [k, given[k] ? 'kept from an earlier evaluation of the same images and seed' : 'computed']),
  );
  return { figures, details, settings, baselines: computed };
}
