/**
 * npm run bench [-- --json] [-- --epochs N] [-- --steps N] [-- --batches 128,512] [-- --only throughput]: speed and
 * quality figures, never asserted in tests (--epochs 0 skips the 10-epoch run; --only throughput stops after part 1).
 * 1. Training throughput (samples/s) of the two VAEs on real MNIST batches, per backend present (webgpu on a
 *    hardware adapter, or a software one with LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1), with the kernels one step runs
 *    (--batches 128,512 for more batch sizes; --only throughput to stop there, as scripts/gpu-check.sh does).
 * 2. The 784-400-20 VAE (Kingma & Welling) for 10 epochs on full MNIST, BCE, batch 128, Adam 1e-3,
 *    through the studio's own worker: its test -ELBO in nats per image (PyTorch on this machine: about 106).
 * 3. If python3 has torch, bench/pytorch_vae.py runs the same models beside ours and the ratios are printed:
 *    PyTorch with its default thread count and with a thread per core; the faster is the reference.
 * 4. The UI thread's long tasks while a run trains, and the training loop's logging overhead.
 * 5. The job scheduler: one run with every core against two runs side by side at the default limit.
 * 6. Reading many runs (bench/many-runs.ts): the queries and the UI's runs table and comparison for 200 runs.
 * 7. Evaluating 10,000 MNIST test codes, clustering + probes (bench/evaluation.ts), and the pixel probe's solver.
 * 8. The explorer's live sliders (bench/explorer.ts): a slider moved at a steady rate in Chromium, decodes per second
 *    on screen and input-to-screen latency, with PNG transfer and with raw pixels.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStudio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';
import { type RunConfig } from '../src/shared/config';
import { defaultRunConfig } from '../src/families/run-config';
import { blasNote, elboRun, presetModel, pytorch } from './vae-elbo';
import { measureThroughput } from './throughput';
import { measureUi } from './ui-responsiveness';
import { measureManyRuns } from './many-runs';
import { describeEvaluation, measureEvaluation } from './evaluation';
import { describeExplorer, measureExplorer } from './explorer';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    epochs: { type: 'string', default: '10' },
    steps: { type: 'string', default: '100' },
    // scripts/gpu-check.sh: the throughput figures alone, at these batch sizes.
    only: { type: 'string' },
    batches: { type: 'string', default: '128' },
  },
});
const log = (s: string) => {
  if (!values.json) console.log(s);
};

/**
 * The scheduler on this machine: samples/s of one MLP VAE run with every core (limit 1), of one run alone
 * at the default limit, and of two runs started together at the default limit (summed while both train).
 */
async function concurrency() {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bench-'));
  const config = defaultRunConfig('vae') as Extract<RunConfig, { family: 'vae' }>;
  config.backend = 'wasm';
  config.dataset = { name: 'mnist', trainSubset: 24000, testSubset: 500 };
  config.model = presetModel('vae-784-512-256-20');
  config.training = { loss: 'bce', batchSize: 128, epochs: 1, learningRate: 1e-3, optimizer: 'adam', seed: 1 };
  /**
   * Samples/s over the middle of each run's training: the steps between its 20th and its last but one, over the time
   * between them (the progress events' own rate is cumulative from the start, so it counts start-up and compiling).
   */
  const measure = async (limit: number | undefined, runs: number) => {
    const studio = createStudio({
      dbPath: join(dir, `c-${limit ?? 'default'}-${runs}.db`),
      launcher: forkLauncher(),
      transport: 'headless',
      ...(limit ? { orchestrator: { maxConcurrent: limit } } : {}),
    });
    const marks = new Map<number, { first: { step: number; at: number }; last: { step: number; at: number } }>();
    studio.events.on((e) => {
      if (e.name === 'run.progress' && e.payload.step > 20 && e.payload.step < e.payload.totalSteps) {
        const mark = { step: e.payload.step, at: performance.now() };
        const seen = marks.get(e.payload.runId);
        marks.set(e.payload.runId, { first: seen?.first ?? mark, last: mark });
      }
    });
    try {
      const info = await studio.api['scheduler.get']({});
      const ids = [];
      for (let i = 0; i < runs; i++)
        ids.push(
          (await studio.api['runs.start']({ config: { ...config, training: { ...config.training, seed: i + 1 } } })).runId,
        );
      await Promise.all(ids.map((id) => studio.orchestrator.whenEnded(id)));
      const perRun = ids.map((id) => {
        const m = marks.get(id);
        if (!m || m.last.step === m.first.step) return Number.NaN;
        return ((m.last.step - m.first.step) * config.training.batchSize) / ((m.last.at - m.first.at) / 1000);
      });
      return {
        limit: info.maxConcurrent,
        threadsPerWorker: info.threadsPerWorker,
        perRun,
        total: perRun.reduce((a, b) => a + b, 0),
      };
    } finally {
      await studio.close();
    }
  };
  try {
    const alone = await measure(1, 1);
    const aloneDefault = await measure(undefined, 1);
    const pair = await measure(undefined, 2);
    return { alone, aloneDefault, pair, pairOverAlone: pair.total / alone.total };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const steps = Number(values.steps);
const epochs = Number(values.epochs);
const batches = values.batches.split(',').map(Number);
log(`Training throughput, batch ${batches.join(' and ')}, Adam, real MNIST batches (webgpu where an adapter is allowed):`);
const rows = await measureThroughput(['webgpu', 'wasm', 'cpu'], batches, steps, log);
const speeds: Record<string, Record<string, number>> = {};
for (const r of rows) (speeds[r.batch === 128 ? r.model : `${r.model}@${r.batch}`] ??= {})[r.backend] = r.samplesPerSec;
if (values.only === 'throughput') process.exit(0);
// --epochs 0: throughput only (no 10-epoch run here, none in PyTorch either).
let elbo: Awaited<ReturnType<typeof elboRun>> | null = null;
if (epochs > 0) {
  log(`\nVAE 784-400-20, ${epochs} epochs on full MNIST (BCE, batch 128, Adam 1e-3), through the studio's worker:`);
  elbo = await elboRun(epochs);
  log(
    `  test -ELBO ${elbo.negElbo.toFixed(2)} nats per image (${elbo.status}, ${elbo.seconds.toFixed(0)} s on ${elbo.backend}, wall time with start-up and per-epoch tests); PyTorch's, measured here, below`,
  );
}
log('\nThe job scheduler: MLP VAE 784-512-256-20 runs through the studio (24,000 images, batch 128):');
const jobs = await concurrency();
log(
  `  one run with every core (limit 1, ${jobs.alone.threadsPerWorker} threads): ${jobs.alone.total.toFixed(0)} samples/s\n` +
    `  one run alone at the default limit (${jobs.aloneDefault.limit}, ${jobs.aloneDefault.threadsPerWorker} thread${jobs.aloneDefault.threadsPerWorker > 1 ? 's' : ''} each): ${jobs.aloneDefault.total.toFixed(0)} samples/s\n` +
    `  two runs started together at the default limit: ${jobs.pair.perRun.map((r) => r.toFixed(0)).join(' + ')} = ${jobs.pair.total.toFixed(0)} samples/s, ` +
    `${(100 * jobs.pairOverAlone).toFixed(0)}% of one run with every core (goal: at least 90%)`,
);
const torch = pytorch(epochs, steps, log);
if (torch) {
  const ours = { mlp: speeds['mlp-vae-784-512-256-20']?.['wasm'] ?? NaN, conv: speeds['conv-vae']?.['wasm'] ?? NaN };
  log(`\nPyTorch on this machine (same models, batches, optimizer; ${steps} steps each):`);
  log(blasNote(torch.blas));
  for (const [threads, t] of Object.entries(torch.byThreads)) {
    const which = Number(threads) === torch.defaultThreads ? 'default' : 'one per core';
    log(
      `  ${threads} thread${threads === '1' ? ' ' : 's'} (${which.padEnd(12)}) MLP VAE ${t.mlp.toFixed(0).padStart(6)} samples/s, conv VAE ${t.conv.toFixed(0).padStart(5)} samples/s; ours / this: MLP ${(ours.mlp / t.mlp).toFixed(2)}x, conv ${(ours.conv / t.conv).toFixed(2)}x`,
    );
  }
  log(
    `  ours (wasm) / PyTorch's faster setting: MLP ${(ours.mlp / torch.mlpSamplesPerSec).toFixed(2)}x, conv ${(ours.conv / torch.convSamplesPerSec).toFixed(2)}x`,
  );
  if (torch.negElbo !== undefined)
    log(`  PyTorch's 784-400-20 VAE after ${epochs} epochs: test -ELBO ${torch.negElbo.toFixed(2)}`);
}
log('\nThe UI while a run trains (Chromium on the headless host, the run view open):');
const ui = await measureUi();
if (typeof ui === 'string') log(`  not measured: ${ui}`);
else {
  log(
    `  ${ui.longTasks} long tasks (> 50 ms) in ${ui.seconds} s, the longest ${ui.longestTaskMs.toFixed(0)} ms; longest gap between frames ${ui.longestFrameGapMs.toFixed(0)} ms`,
  );
  log(
    `  logging metrics and progress: ${ui.loggingOverhead === null ? '?' : (100 * ui.loggingOverhead).toFixed(2)}% of the training steps' time (goal: under 2%)`,
  );
}
log('\nReading many runs: 200 synthetic runs of 2,000 batch-loss points, 20 epochs of test metrics and 5 images each:');
const many = await measureManyRuns({ runs: 200, points: 2000 });
for (const [what, ms] of Object.entries(many.queries)) log(`  ${what}: ${ms} ms`);
if ('error' in many.ui) log(`  UI not measured: ${String(many.ui.error)}`);
else {
  const u = many.ui;
  log(`  UI: runs table of 200 rendered in ${u.runsTableFirstRenderMs} ms, sorted by a metric in ${u.runsTableSortMs} ms`);
  log(
    `  UI: comparison of 200 runs: curves drawn in ${u.compareCurvesMs} ms, curves and image tiles in ${u.compareFirstRenderMs} ms (goal: under 1 s); the batch loss (2,000 points a run) in ${u.compareChangeMetricMs} ms`,
  );
}
log('\nEvaluating a latent space: 10,000 MNIST test codes, clustering + probes, through the worker:');
const evaluation = await measureEvaluation();
for (const line of describeEvaluation(evaluation)) log(line);
log('\nThe explorer: a slider of the VAE 784-400-20 moved 60 times a second for 5 s in Chromium on the headless host:');
const explorer = await measureExplorer();
for (const line of describeExplorer(explorer)) log(line);
if (values.json)
  console.log(
    JSON.stringify({
      throughput: speeds,
      vae784_400_20: elbo,
      scheduler: jobs,
      pytorch: torch,
      ui,
      manyRuns: many,
      evaluation,
      explorer,
    }),
  );
// wasm's thread pool (worker threads) would keep the process alive.
process.exit(0);
