import { summedReconstructionLoss } from '../../ml/losses';
import {
  decoderLogLikelihood,
  gaussianLogDensity,
  importanceLogWeights,
  klPerDimension,
  likelihoodConstant,
  posteriorMetrics,
} from './densities';
import { createRng } from '../../shared/random';
import { Reads } from '../../ml/read';
import { gaussian } from '../../ml/ops';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { buildConditionalEncoder, buildDecoder, buildEncoder, summarize } from '../architecture';
import type { BuildContext, BuiltModel, ChartView, FamilyModel, ImageView, ViewContext, Weight } from '../family-model';
import type { VaeModel } from './spec';

/** The unit vector e_d of k dimensions, as a [1, k] row. */
const unit = (d: number, k: number) =>
  tf.tensor2d(
    Float32Array.from({ length: k }, (_, j) => (j === d ? 1 : 0)),
    [1, k],
  );

/** What a VAE variant's regulariser sees of one training (or test) batch. */
export interface PosteriorBatch {
  x: Tensor;
  mu: Tensor;
  logVar: Tensor;
  /** z = mu + σ·ε, the sample the reconstruction was decoded from. */
  z: Tensor;
  /** KL(q(z|x) ‖ N(0, I)), closed form, the batch mean. */
  kl: Scalar;
}

/** A prior other than N(0, I) (the VampPrior, the AAE's mixture): what samples and the likelihood use. */
export interface LatentPrior {
  /** n draws of z, [n, k], deterministic for a seed. */
  sample(n: number, seed: number): Tensor;
  /** log p(z) per row of z [n, k]; absent when the prior is only sampled (the likelihood then assumes N(0, I)). */
  logDensity?(z: Tensor): Tensor;
  /** How the views' captions name it, e.g. 'z ~ the VampPrior'. */
  caption: string;
}

/**
 * A VAE whose regulariser is not β·KL (β-TC-VAE, DIP-VAE, FactorVAE): its loss in place of β·KL, with the parts it
 * reports, and what it adds to the model (an adversary's weights and its own update after each step).
 */
export interface VaeVariant {
  /** `whole`: its total is the whole loss (IWAE's bound), not what is added to the reconstruction. */
  regulariser?(batch: PosteriorBatch, training: boolean): { total: Scalar; parts: Record<string, Scalar>; whole?: boolean };
  /**
   * KL(q(z|x) ‖ p(z)), the batch mean, for a prior other than N(0, I) (the VampPrior's single-sample estimate
   * log q(z|x) − log p(z)): it replaces the closed form, and the VAE's β, warm-up and capacity apply to it.
   */
  kl?(batch: Omit<PosteriorBatch, 'kl'>): Scalar;
  /** Weights beyond the encoder's and decoder's: checkpointed, not trained by the run's optimizer. */
  weights?(): Weight[];
  /** Weights beyond the encoder's and decoder's that the run's optimizer trains (the VampPrior's pseudo-inputs). */
  trainableWeights?(): Weight[];
  prior?: LatentPrior;
  /** Image views beyond the VAE's (the VampPrior's pseudo-inputs), called inside the views' tidy; read through `reads`. */
  views?(reads: Reads): ImageView[];
  afterStep?(x: Tensor): void;
  state?(): Record<string, unknown>;
  restore?(state: Record<string, unknown>): void;
  dispose?(): void;
}

/** What a variant is built from: the VAE's posterior and a seeded sample of z. */
export interface VaeParts {
  latentSize: number;
  posterior(x: Tensor): { mu: Tensor; logVar: Tensor };
  /** z ~ q(z|x), from the VAE's seeded noise stream. */
  sample(x: Tensor): Tensor;
  /** The next seed of the VAE's noise stream (for a variant's own draws). */
  nextSeed(): number;
  decode(z: Tensor): Tensor;
  /** log q(z|x) per row: the diagonal Gaussian's log density of z under (mu, log σ²). */
  logPosterior(z: Tensor, mu: Tensor, logVar: Tensor): Tensor;
  /** log p(x|z) per image as the training loss implies it (see decoderLogLikelihood). */
  logPx(x: Tensor, xHat: Tensor): Tensor;
}

/**
 * The VAE, or with `conditional` the CVAE: the one-hot label joins the encoder's input and z at the
 * decoder's input, so p(x|z, c) and q(z|x, c). `variant` replaces β·KL by another regulariser.
 */
export function buildVae(
  { model: m, training, inputShape, seed, classes }: BuildContext<VaeModel>,
  conditional: boolean,
  variant?: (parts: VaeParts) => VaeVariant,
): BuiltModel {
  const k = m.latentSize;
  const pixels = inputShape[0] * inputShape[1] * inputShape[2];
  if (conditional && classes < 2) throw new Error('a conditional VAE needs a labelled data set');
  const encoder = conditional
    ? buildConditionalEncoder(inputShape, m, seed, 2 * k, classes)
    : buildEncoder(inputShape, m, seed, { codeUnits: 2 * k });
  const decoder = buildDecoder(inputShape, m, m.outputActivation, seed, conditional ? k + classes : k);
  const recon = summedReconstructionLoss(training);
  // eps is drawn from a seeded stream, so a run repeats exactly on the same backend.
  const noiseSeeds = createRng(seed ^ 0x5eed);
  const nextSeed = () => Math.floor(noiseSeeds() * 2 ** 31);
  let epoch = 0;

  const need = (labels: Tensor | undefined): Tensor => {
    if (!labels) throw new Error('the conditional VAE was called without labels');
    return labels;
  };
  const posterior = (x: Tensor, labels?: Tensor) => {
    const h = (conditional ? encoder.apply([x, need(labels)]) : encoder.apply(x)) as Tensor;
    return { mu: tf.slice(h, [0, 0], [-1, k]), logVar: tf.slice(h, [0, k], [-1, k]) };
  };
  const decode = (z: Tensor, labels?: Tensor) => decoder.apply(conditional ? tf.concat([z, need(labels)], 1) : z) as Tensor;

  /** The KL weight now: β, ramped from 0 during warm-up. */
  const betaNow = () => (m.klWarmupEpochs > 0 ? m.beta * Math.min(1, epoch / m.klWarmupEpochs) : m.beta);
  const capacityNow = () =>
    (m.capacityMaxNats ?? 0) * (m.capacityEpochs && m.capacityEpochs > 0 ? Math.min(1, epoch / m.capacityEpochs) : 1);

  const fixedPrior = tf.tidy(() => gaussian([40, k], 0, 1, seed + 7));
  const sampleZ = (mu: Tensor, logVar: Tensor) =>
    tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), gaussian(mu.shape, 0, 1, nextSeed())));
  const own = variant?.({
    latentSize: k,
    posterior: (x) => posterior(x),
    sample: (x) => {
      const { mu, logVar } = posterior(x);
      return sampleZ(mu, logVar);
    },
    nextSeed,
    decode: (z) => decode(z),
    logPosterior: gaussianLogDensity,
    logPx: (x, xHat) => decoderLogLikelihood(training, pixels).logPx(x, xHat),
  });
  const constant = likelihoodConstant(training.loss);
  const elboConstant = constant === undefined ? undefined : constant * pixels;
  const prior = own?.prior;
  const priorDensity = prior?.logDensity?.bind(prior);
  /** The prior-samples view's 40 draws: the same z every epoch (a learned prior's draws move as it trains). */
  const viewPrior = () => (prior ? prior.sample(40, seed + 7) : fixedPrior);

  return {
    onStep(e) {
      epoch = e;
    },
    state: () => ({ noise: noiseSeeds.state, ...own?.state?.() }),
    restore(state) {
      noiseSeeds.state = Number(state['noise']);
      own?.restore?.(state);
    },
    conditional,
    computeLoss(x, isTraining, labels) {
      const { mu, logVar } = posterior(x, labels);
      const z = sampleZ(mu, logVar);
      const reconstruction = recon(x, decode(z, labels));
      const kl = own?.kl ? own.kl({ x, mu, logVar, z }) : tf.mean<Scalar>(tf.sum(klPerDimension(mu, logVar), 1));
      const parts: Record<string, Scalar> = { reconstruction, kl };
      // −ELBO = −log p(x|z) + KL, with the likelihood's constant (D/2·log π for MSE), as the IWAE bound and the
      // evaluation's NLL count it: the three compare. Smooth L1 implies no likelihood, so no −ELBO.
      if (elboConstant !== undefined) parts['neg_elbo'] = tf.add<Scalar>(tf.add(reconstruction, elboConstant), kl);
      if (own?.regulariser) {
        const r = own.regulariser({ x, mu, logVar, z, kl }, isTraining);
        return { total: r.whole ? r.total : tf.add<Scalar>(reconstruction, r.total), parts: { ...parts, ...r.parts } };
      }
      const regulariser =
        m.capacityMaxNats === undefined ? tf.mul(betaNow(), kl) : tf.mul(m.capacityGamma ?? 1, tf.abs(tf.sub(kl, capacityNow())));
      return { total: tf.add<Scalar>(reconstruction, regulariser), parts };
    },
    ...(own?.afterStep ? { afterStep: (x: Tensor) => own.afterStep?.(x) } : {}),
    reconstruct: (x, labels) => decode(posterior(x, labels).mu, labels),
    encode: (x, labels) => posterior(x, labels).mu,
    decode,
    // Burda et al. 2016, eq. 8: z_k = mu + σ·ε_k; log q and log p(z) are diagonal Gaussians' log densities.
    logImportanceWeights(x, samples, sampleSeed, labels) {
      const { likelihood, logPx } = decoderLogLikelihood(training, pixels);
      const logWeights = tf.tidy(() => {
        const { mu, logVar } = posterior(x, labels);
        return tf.transpose(
          importanceLogWeights({
            x,
            mu,
            logVar,
            samples,
            seed: sampleSeed,
            logPx,
            decode: (z) => decode(z, labels && tf.tile(labels, [samples, 1])),
            logPrior: priorDensity,
          }),
        );
      });
      return { logWeights, likelihood };
    },
    testMetrics: () => {
      const posteriorFigures = posteriorMetrics(posterior, !priorDensity);
      if (!(m.klWarmupEpochs > 0)) return posteriorFigures;
      // During warm-up the loss weighs the KL by β so far, not β: said beside it, so that rec + β·KL can be read.
      const weight = betaNow();
      return {
        batch: (x, labels, reads) => posteriorFigures.batch(x, labels, reads),
        result: (count) => {
          const r = posteriorFigures.result(count);
          return { ...r, metrics: { ...r.metrics, kl_weight: weight } };
        },
      };
    },
    // A prior other than N(0, I) (the VampPrior, an AAE's mixture: those with a density of their own) samples itself.
    ...(prior?.logDensity ? { samplePrior: (n: number, sampleSeed: number) => prior.sample(n, sampleSeed) } : {}),
    trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights, ...(own?.trainableWeights?.() ?? [])],
    weights: () => [...encoder.weights, ...decoder.weights, ...(own?.trainableWeights?.() ?? []), ...(own?.weights?.() ?? [])],
    // A variant's own trained parameters beside the layers (the VampPrior's pseudo-inputs) are rows of it too.
    summary: () => [
      ...summarize(encoder, decoder),
      ...(own?.trainableWeights?.() ?? []).map((w) => ({
        name: w.name,
        outputShape: w.shape.map(Number),
        params: w.shape.reduce<number>((a, b) => a * Number(b), 1),
      })),
    ],
    layersModels: () => ({ encoder, decoder }),
    exportNotes: () => ({
      encoder:
        `${conditional ? '[x, one-hot label] → ' : 'x → '}[μ, log σ²], ${2 * k} columns: the posterior q(z|x) = N(μ, σ²); ` +
        `μ = output[:, :${k}] is the code the studio's views, evaluations and --latents use, σ = exp(output[:, ${k}:] / 2)`,
      decoder: `${conditional ? `[z, one-hot label] (${k} + ${classes} columns, concatenated)` : `z (${k} columns)`} → image, flat`,
    }),
    dispose() {
      own?.dispose?.();
      fixedPrior.dispose();
      encoder.dispose();
      decoder.dispose();
    },
    async views({
      panel,
      panelLabels,
      classes: nClasses,
      sample,
      sampleLabels,
    }: ViewContext): Promise<(ImageView | ChartView)[]> {
      const out: (ImageView | ChartView)[] = [];
      const reads = new Reads();
      const rows = (t: Tensor, n: number, width: number) => reads.rows(t, n, width);
      tf.tidy(() => {
        const cond = conditional ? panelLabels : undefined;
        const mu = posterior(panel, cond).mu;
        const first = cond ? tf.slice(cond, [0, 0], [1, -1]) : undefined;
        const repeat = (t: Tensor | undefined, n: number) => (t ? tf.tile(t, [n, 1]) : undefined);
        if (conditional) {
          // Samples of each class: row c decodes the same ten prior draws with label c.
          const z = tf.slice(fixedPrior, [0, 0], [10, k]);
          const rowsByClass = Array.from({ length: nClasses }, (_, c) =>
            rows(decode(z, tf.cast(tf.oneHot(tf.fill([10], c, 'int32'), nClasses), 'float32')), 10, pixels),
          );
          out.push({
            kind: 'class-samples',
            caption: 'Samples of each class: row c decodes the same ten z ~ N(0, I) with label c',
            rows: rowsByClass,
          });
        }
        // Traversal: each dimension (up to 10) swept from -3 to 3 around the first panel image's mu.
        const steps = 9;
        const dims = Math.min(k, 10);
        const base = tf.slice(mu, [0, 0], [1, k]);
        const sweep = Array.from({ length: steps }, (_, i) => -3 + (6 * i) / (steps - 1));
        const traversal: Float32Array[][] = [];
        for (let d = 0; d < dims; d++) {
          const zs = tf.concat(
            sweep.map((v) =>
              // (A unit vector by hand: tf.oneHot refuses a depth of 1, a 1-D code's.)
              tf.add(base, tf.mul(unit(d, k), tf.sub(v, tf.slice(base, [0, d], [1, 1])))),
            ),
            0,
          );
          traversal.push(rows(decode(zs, repeat(first, steps)), steps, pixels));
        }
        out.push({
          kind: 'latent-traversal',
          caption: `Latent traversal: dimensions 1–${dims} (rows) swept from −3 to 3 (columns) around the first test image's mu${conditional ? ', decoded with its own label' : ''}`,
          rows: traversal,
        });
        if (!conditional) {
          const z = viewPrior();
          out.push({
            kind: 'prior-samples',
            // A learned prior's draws move as it trains: only their seed is the same.
            caption: `Samples from the prior: decode(z), ${prior?.caption ?? 'z ~ N(0, I)'}, ${prior ? 'the same seed' : 'the same z'} every epoch`,
            rows: [0, 1, 2, 3].map((r) => rows(decode(tf.slice(z, [r * 10, 0], [10, k])), 10, pixels)),
          });
        }
        // Interpolation between consecutive panel images (0→1, 2→3, …) in latent space.
        const n = panel.shape[0] ?? 0;
        const interpolation: Float32Array[][] = [];
        for (let p = 0; p + 1 < Math.min(n, 8); p += 2) {
          const a = tf.slice(mu, [p, 0], [1, k]);
          const b = tf.slice(mu, [p + 1, 0], [1, k]);
          const zs = tf.concat(
            Array.from({ length: 10 }, (_, i) => tf.add(tf.mul(a, 1 - i / 9), tf.mul(b, i / 9))),
            0,
          );
          // Conditional: the label goes from the first image's class to the second's along with z.
          const labelsAB = cond
            ? tf.concat(
                Array.from({ length: 10 }, (_, i) =>
                  tf.add(tf.mul(tf.slice(cond, [p, 0], [1, -1]), 1 - i / 9), tf.mul(tf.slice(cond, [p + 1, 0], [1, -1]), i / 9)),
                ),
                0,
              )
            : undefined;
          interpolation.push(rows(decode(zs, labelsAB), 10, pixels));
        }
        if (interpolation.length > 0)
          out.push({
            kind: 'interpolation',
            caption:
              'Interpolation between pairs of test images through their mu (left to right)' +
              (cond ? ', the one-hot class blended from the first image’s to the second’s along with z' : ''),
            rows: interpolation,
          });
        if (k === 2 && !conditional) {
          const grid = 15;
          const coords = Array.from({ length: grid }, (_, i) => -3 + (6 * i) / (grid - 1));
          const manifold = coords
            .slice()
            .reverse()
            .map((y) =>
              rows(
                decode(
                  tf.tensor2d(
                    coords.flatMap((x) => [x, y]),
                    [grid, 2],
                  ),
                ),
                grid,
                pixels,
              ),
            );
          out.push({
            kind: 'manifold',
            caption: 'Decoded manifold: z₁ (columns) and z₂ (rows, upwards) from −3 to 3',
            rows: manifold,
          });
          const scatter: ChartView & { chart: 'scatter' } = {
            kind: 'latent-scatter',
            chart: 'scatter',
            caption: 'Test images in the 2-D latent space (mu), coloured by label',
            points: [],
          };
          reads.values(posterior(sample).mu, (zs) =>
            sampleLabels.forEach((label, i) =>
              scatter.points.push({ x: zs[2 * i] as number, y: zs[2 * i + 1] as number, label }),
            ),
          );
          out.push(scatter);
        }
        out.push(...(own?.views?.(reads) ?? []));
      });
      await reads.read();
      return out;
    },
  };
}

export const vaeFamily: FamilyModel<VaeModel> = { build: (ctx) => buildVae(ctx, false) };
