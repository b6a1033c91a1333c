/**
 * npx tsx bench/evaluation-acceptance.ts [--part mnist|shapes|all] [--epochs N] [--images N] [--every N] [--beta B]
 * [--db FILE]: the evaluation issue's figures on real data, through the studio's own workers, printed. The long test
 * tier asserts them at the default sizes (tests/integration/evaluation-mnist.test.ts, disentanglement-shapes.test.ts);
 * this prints them at any size, and the trend over a run's checkpoints.
 * - mnist: DEC's autoencoder 784-500-500-2000-10 (Xie et al. 2016) trained on MNIST, then k-means / GMM ACC on its
 *   10,000 test codes beside k-means on the raw pixels of the same images, and the few-label probes. With
 *   `--every N` it keeps a checkpoint every N epochs and prints the clustering figures at each, to show the trend.
 * - shapes: a β-VAE (β = 16 unless --beta) and a plain autoencoder of the same body, latent size and seed on
 *   generated Shapes, and their MIG (and the other disentanglement scores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStudio, type Studio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';
import type { RunConfig } from '../src/shared/config';
import type { EvaluationKind } from '../src/shared/api';
import { decAutoencoder, shapesPair } from '../tests/integration/acceptance-models';

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'all' },
    epochs: { type: 'string' },
    images: { type: 'string' },
    db: { type: 'string' },
    every: { type: 'string' },
    beta: { type: 'string', default: '16' },
  },
});

async function evaluate(studio: Studio, runId: number, what: EvaluationKind[], epoch?: number) {
  const { evaluationId } = await studio.api['evaluations.start']({ runId, what, seed: 0, ...(epoch ? { epoch } : {}) });
  await studio.evaluations.whenEnded(evaluationId);
  const evaluation = studio.evaluations.get(evaluationId);
  if (evaluation?.status !== 'completed')
    throw new Error(`evaluation of run ${runId} ${evaluation?.status} ${evaluation?.error ?? ''}`);
  return evaluation.figures;
}

async function trainAndEvaluate(
  studio: Studio,
  config: RunConfig,
  what: EvaluationKind[],
  label: string,
  every?: { epochs: number; what: EvaluationKind[] },
) {
  let start = performance.now();
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  const trained = (performance.now() - start) / 1000;
  if (run.status !== 'completed') throw new Error(`${label}: run ${runId} ${run.status} ${run.error ?? ''}`);
  const figures = (f: Record<string, number>) =>
    Object.entries(f)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join(', ');
  if (every) {
    for (let epoch = every.epochs; epoch < config.training.epochs; epoch += every.epochs)
      console.log(`${label}, epoch ${epoch}: ${figures(await evaluate(studio, runId, every.what, epoch))}`);
  }
  start = performance.now();
  const f = await evaluate(studio, runId, what);
  const evaluated = (performance.now() - start) / 1000;
  console.log(
    `${label} (run ${runId}; trained in ${trained.toFixed(0)} s, evaluated in ${evaluated.toFixed(0)} s):\n  ${figures(f)}`,
  );
  return f;
}

async function mnist(studio: Studio) {
  const epochs = Number(values.epochs ?? 30);
  const images = Number(values.images ?? 60000);
  const config = decAutoencoder(images, epochs);
  const every = values.every ? Number(values.every) : undefined;
  if (every) config.training.checkpoints = { everyEpochs: every, keepLast: 1000 };
  const f = await trainAndEvaluate(
    studio,
    config,
    ['clustering', 'probe'],
    `DEC's AE 784-500-500-2000-10 on ${images} MNIST images × ${epochs} epochs, 10,000 test codes`,
    every ? { epochs: every, what: ['clustering'] } : undefined,
  );
  console.log(
    `  → k-means ACC on codes ${f['kmeans_acc']?.toFixed(3)} vs raw pixels ${f['pixels_kmeans_acc']?.toFixed(3)} (issue: ≥ 0.75 and above pixels); ` +
      `probe at 100 per class ${f['probe_100_acc']?.toFixed(3)} (issue: ≥ 0.90)`,
  );
}

async function shapes(studio: Studio) {
  const epochs = Number(values.epochs ?? 8);
  const images = Number(values.images ?? 20000);
  await studio.api['datasets.generate']({ generator: 'shapes', seed: 1, count: images, name: 'shapes-bench' });
  const beta = Number(values.beta);
  const { ae, vae } = shapesPair(beta, epochs, 'shapes-bench');
  const label = `on ${images} Shapes images × ${epochs} epochs, 4096-256-128-10, seed 1`;
  const a = await trainAndEvaluate(studio, ae, ['disentanglement'], `plain AE ${label}`);
  const b = await trainAndEvaluate(studio, vae, ['disentanglement'], `β-VAE (β = ${beta}) ${label}`);
  console.log(`  → MIG β-VAE ${b['mig']?.toFixed(3)} vs AE ${a['mig']?.toFixed(3)} (issue: β-VAE higher)`);
}

const dir = values.db ? null : mkdtempSync(join(tmpdir(), 'latent-studio-bench-acceptance-'));
const studio = createStudio({
  dbPath: values.db ?? join(dir!, 'studio.db'),
  launcher: forkLauncher(),
  transport: 'headless',
});
try {
  // One run at a time, with every core.
  await studio.api['scheduler.set']({ maxConcurrent: 1 });
  if (values.part === 'mnist' || values.part === 'all') await mnist(studio);
  if (values.part === 'shapes' || values.part === 'all') await shapes(studio);
} finally {
  await studio.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
