/**
 * The disentanglement part of an evaluation: MIG, SAP and DCI on codes of images with known factors, and the β-VAE
 * and FactorVAE scores on images rendered with one factor held. The metrics are src/analysis's (disentanglement_lib's
 * definitions); this gathers their rows.
 *
 * Rows as disentanglement_lib draws them (evaluation/metrics/utils.py, generate_batch_factor_code): on a generated set,
 * factors are drawn from the generator and their images rendered and encoded afresh, `points` of them for MIG and for
 * SAP's and DCI's training, and half as many more for their test (the reference's study: mig.num_train, dci.num_train
 * and sap_score.num_train 10,000; num_test 5,000). The row count matters: DCI's trees and the plug-in mutual
 * information are biased on few rows (DCI disentanglement read 0.46 on 2,000 rows and 0.62 on 15,000 of one synthetic
 * code). Without a generator (a subset of classes, a pair of sets), or for an evaluation queued before the choice,
 * the rows are the test split's images, as many as it has.
 */
import type { DatasetFactor, EvaluationDetails } from '../../shared/api';
import type { BuiltModel } from '../../families/family-model';
import { computeBetaVaeScore, betaVaeScoreDefaults } from '../../analysis/beta-vae-score';
import { computeDci, dciDefaults } from '../../analysis/dci';
import { discretiseColumns } from '../../analysis/discretise';
import { encodeInChunks } from '../../analysis/factor-source';
import { computeFactorVaeScore, factorVaeScoreDefaults } from '../../analysis/factor-vae-score';
import { computeMig, migDefaults } from '../../analysis/mig';
import { splitTrainTest, varyingColumns, type Matrix } from '../../analysis/matrix';
import { mulberry32 } from '../../analysis/random';
import { computeSap, sapDefaults } from '../../analysis/sap';
import type { ImageGenerator } from '../datasets/generators/generator';
import { classCount, type ImageDataset } from '../../ml/dataset';
import { deriveSeed } from '../../shared/random';
import { generatorFactorSource } from './encode';

/** Bins per continuous factor (the Faces generator's), so that the discrete-factor metrics apply; grid factors are classes already. */
export const continuousFactorBins = 20;
/** Images rendered and encoded per call when drawing rows from a generator. */
const rowsPerCall = 500;
/** Images drawn for `points`: as many for MIG and SAP's and DCI's training, half as many more for their test. */
const drawnCount = (points: number) => points + Math.floor(points / 2);

export interface DisentanglementInput {
  model: BuiltModel;
  family: string;
  dataset: ImageDataset;
  factorDeclarations: DatasetFactor[];
  /** The test split's codes (what the rows are without a generator). */
  testCodes: Matrix;
  seed: number;
  /** Training points of the β-VAE and FactorVAE scores. */
  scorePoints: number;
  /** Rows drawn from the generator for MIG and SAP's and DCI's training (null: the test split's images). */
  points: number | null;
  renderer: { generator: ImageGenerator; identity: number } | null;
  /** Called as each step begins and ends (the evaluation's progress and its seconds per step). */
  begin: (step: string) => void;
  lap: (step: string) => void;
}

export interface DisentanglementOutcome {
  figures: Record<string, number>;
  details: NonNullable<EvaluationDetails['disentanglement']>;
  settings: Record<string, unknown>;
}

/** The steps it takes, in order, with their words (for the evaluation's plan). */
export function disentanglementSteps(
  points: number | null,
  renderer: { generator: ImageGenerator } | null,
): { step: string; words: string }[] {
  const drawn = renderer && points !== null ? drawnCount(points) : null;
  return [
    ...(drawn !== null
      ? [
          {
            step: 'disentanglement_images',
            words: `rendering and encoding ${drawn} images drawn from the ${renderer!.generator.title} generator`,
          },
        ]
      : []),
    { step: 'disentanglement', words: 'MIG, SAP and DCI' },
    ...(renderer
      ? [
          { step: 'beta_vae_score', words: 'the β-VAE score (rendering images with a factor held)' },
          { step: 'factor_vae_score', words: 'the FactorVAE score (rendering images with a factor held)' },
        ]
      : []),
  ];
}

/** The rows MIG, SAP and DCI read: codes and their factors, drawn from the generator or the test split's. */
async function factorRows(input: DisentanglementInput): Promise<{ codes: Matrix; factors: ArrayLike<number>; drawn: boolean }> {
  const { model, family, dataset, renderer, points, seed } = input;
  if (!renderer || points === null) {
    const stored = dataset.test.factors;
    if (!stored) throw new Error(`what: disentanglement needs a data set with known factors, and ${dataset.name} has none`);
    return { codes: input.testCodes, factors: stored, drawn: false };
  }
  input.begin('disentanglement_images');
  const source = generatorFactorSource(model, family, renderer, classCount(dataset));
  const drawnFactors = source.sampleFactors(drawnCount(points), mulberry32(deriveSeed(seed, 3)));
  const encoded = await encodeInChunks(source, drawnFactors, rowsPerCall);
  input.lap('disentanglement_images');
  // Float32 as the test split's codes are: MIG bins them in float32, as numpy does float32 codes.
  return { codes: { values: Float32Array.from(encoded.values), dim: encoded.dim }, factors: drawnFactors.flat(), drawn: true };
}

/** MIG, SAP and DCI, and on a generated set the β-VAE and FactorVAE scores. */
export async function scoreDisentanglement(input: DisentanglementInput): Promise<DisentanglementOutcome> {
  const { factorDeclarations, dataset, seed, renderer } = input;
  const count = factorDeclarations.length;
  if (!dataset.test.factors || count === 0)
    throw new Error(`what: disentanglement needs a data set with known factors, and ${dataset.name} has none`);
  const rows = await factorRows(input);
  const stored = rows.factors;
  const n = stored.length / count;
  // Grid factors are classes as they are; continuous ones are binned.
  const continuous = factorDeclarations.map((f) => f.values === null);
  const binned = continuous.some(Boolean) ? discretiseColumns({ values: stored, dim: count }, continuousFactorBins) : undefined;
  const factors = {
    values: Float64Array.from({ length: stored.length }, (_, i) =>
      continuous[i % count] && binned ? binned.values[i]! : stored[i]!,
    ),
    dim: count,
  };
  // Only the factors that vary here are scored (as Locatello et al.; see varyingColumns).
  const { matrix: scored, kept } = varyingColumns(factors);
  if (kept.length === 0)
    throw new Error(
      `what: disentanglement needs a factor that varies, and none does in ${rows.drawn ? 'the images drawn from' : 'the test images of'} ${dataset.name}`,
    );
  input.begin('disentanglement');
  // Drawn rows: MIG on the first `points` (SAP's and DCI's training rows, as the reference's num_train); the test
  // split: MIG on all of it.
  // SAP's and DCI's training and test rows, as they split them.
  const { train, test } = splitTrainTest(n, dciDefaults.trainFraction);
  const migRows = rows.drawn ? train : n;
  const head = (m: Matrix): Matrix => ({
    values: (m.values as Float32Array | Float64Array).subarray(0, migRows * m.dim),
    dim: m.dim,
  });
  const mig = computeMig(head(rows.codes), head(scored), { chanceSeed: seed });
  const sap = computeSap(rows.codes, scored);
  const dci = computeDci(rows.codes, scored, { seed });
  input.lap('disentanglement');
  const figures: Record<string, number> = {
    mig: mig.mig,
    sap: sap.sap,
    dci_disentanglement: dci.disentanglement,
    dci_completeness: dci.completeness,
    dci_informativeness: dci.informativenessTest,
  };
  const details: DisentanglementOutcome['details'] = {
    images: migRows,
    drawn: rows.drawn,
    splitRows: { train, test },
    factors: kept.map((k) => factorDeclarations[k]!.name),
    ...(kept.length < count
      ? { constantFactors: factorDeclarations.filter((_, k) => !kept.includes(k)).map((f) => f.name) }
      : {}),
    mutualInformation: mig.mutualInformation,
    factorEntropies: mig.factorEntropies,
    chanceInformation: mig.chanceInformation,
    migGapPerFactor: mig.gapPerFactor.map((g) => (Number.isNaN(g) ? null : g)),
    sapScores: sap.scoreMatrix,
    dciImportance: dci.importance,
  };
  const settings: Record<string, unknown> = {
    rows: rows.drawn
      ? { drawnFrom: renderer!.generator.kind, seed: deriveSeed(seed, 3), mig: migRows, train, test }
      : { testSplit: n, mig: migRows, train, test },
    mig: { ...migDefaults, chanceSeed: seed },
    sap: sapDefaults,
    dci: { ...dciDefaults, seed },
    continuousFactorBins: continuous.some(Boolean) ? continuousFactorBins : null,
  };
  if (renderer) {
    // The scores that intervene on the factors: images rendered again with one factor held fixed.
    const { model, family, scorePoints } = input;
    const source = generatorFactorSource(model, family, renderer, classCount(dataset));
    const points = { trainPoints: scorePoints, evalPoints: Math.max(1, Math.round(scorePoints / 2)) };
    input.begin('beta_vae_score');
    const betaVae = await computeBetaVaeScore(source, { ...points, seed: deriveSeed(seed, 1) });
    input.lap('beta_vae_score');
    input.begin('factor_vae_score');
    const varianceEstimatePoints = Math.min(factorVaeScoreDefaults.varianceEstimatePoints, scorePoints * 10);
    const factorVae = await computeFactorVaeScore(source, { ...points, varianceEstimatePoints, seed: deriveSeed(seed, 2) });
    input.lap('factor_vae_score');
    figures['beta_vae_score'] = betaVae.evalAccuracy;
    figures['factor_vae_score'] = factorVae.evalAccuracy;
    details.betaVaeScore = betaVae;
    details.factorVaeScore = {
      trainAccuracy: factorVae.trainAccuracy,
      evalAccuracy: factorVae.evalAccuracy,
      activeDims: factorVae.activeDims,
      votes: factorVae.votes,
    };
    const renderedFrom = renderer.generator.kind;
    settings['betaVaeScore'] = { ...betaVaeScoreDefaults, ...points, seed: deriveSeed(seed, 1), renderedFrom };
    settings['factorVaeScore'] = {
      ...factorVaeScoreDefaults,
      ...points,
      varianceEstimatePoints,
      seed: deriveSeed(seed, 2),
      renderedFrom,
    };
  }
  return { figures, details, settings };
}
