/**
 * npm run acceptance [-- --part vae,clustering,shapes,prior,study,webgpu] [--db FILE] [--out FILE]
 *
 * The science at full size that CI does not run: each part trains and evaluates through the studio's own workers,
 * as a user's runs do, and writes its figures into docs/acceptance.md with the commit, the date, the machine and
 * its wall time. A part run alone replaces its own section and keeps the others. CI keeps small-scale tests that
 * assert the same directions (tests/integration/evaluation.test.ts, families.test.ts, prior.test.ts); this is where
 * the figures a paper would quote are made, and it is never called by .ci/run.
 *
 * - vae: the 784-400-20 VAE (Kingma & Welling 2014) for 10 epochs on all of MNIST, its test −ELBO beside PyTorch's
 *   on the same machine (bench/pytorch_vae.py, Debian's python3-torch).
 * - clustering: DEC's autoencoder 784-500-500-2000-10 (Xie et al. 2016) for 30 epochs on all of MNIST, then
 *   k-means and a GMM on its 10,000 test codes beside k-means on raw pixels, and linear probes with 10/100/1000
 *   labels per class; then DEC and IDEC (Guo et al. 2017) from the studio's presets, each reporting the AE + k-means
 *   it started from and its own cluster ACC and NMI.
 * - shapes: a plain AE and β-VAEs (β = 4 and 16) of one MLP body on 20,000 generated Shapes images, and their
 *   disentanglement scores (MIG, SAP, DCI, β-VAE and FactorVAE scores).
 * - prior: the VQ-VAE (MLP preset) on all of MNIST, then its PixelCNN prior: test NLL in bits per position beside
 *   unigram priors of the training codes' frequencies (all positions, and each), on the same test codes.
 * - study: the disentanglement study of Locatello et al. 2019 through `latent-studio study disentanglement` (bench/
 *   acceptance-study.ts): β-VAE, β-TC-VAE, FactorVAE and DIP-VAE-I at three strengths and several seeds on Shapes,
 *   every run scored; per model each metric's median and range, and the metrics' rank correlation.
 * - webgpu: every preset 2 epochs on a subset on webgpu and on wasm (bench/acceptance-webgpu.ts), the final test losses
 *   side by side; on llvmpipe where there is no GPU.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createStudio, findPreset, type Studio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';
import { processAlive } from '../src/core/store/supervisor';
import { generatedTestFraction } from '../src/core/datasets/builtins';
import { defaultScorePoints } from '../src/core/evaluation/jobs';
import type { EvaluationKind } from '../src/shared/api';
import { defaultDisentanglementPoints } from '../src/shared/evaluation-kinds';
import type { RunConfig } from '../src/shared/config';
import { decAutoencoder, shapesPair, shapesSet } from './acceptance-models';
import { elboRun, pytorch } from './vae-elbo';
import { study } from './acceptance-study';
import { webgpu } from './acceptance-webgpu';

const parts = ['vae', 'clustering', 'shapes', 'prior', 'study', 'webgpu'] as const;
type Part = (typeof parts)[number];

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: parts.join(',') },
    db: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, '..', 'docs', 'acceptance.md') },
  },
});
const chosen = values.part.split(',').map((p) => p.trim());
for (const p of chosen)
  if (!(parts as readonly string[]).includes(p)) throw new Error(`--part: "${p}" is none of ${parts.join(', ')}`);

import type { Figure, Section } from './acceptance-models';

const f3 = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));

async function evaluate(studio: Studio, runId: number, what: EvaluationKind[]) {
  const { evaluationId } = await studio.api['evaluations.start']({ runId, what, seed: 0 });
  await studio.evaluations.whenEnded(evaluationId);
  const evaluation = studio.evaluations.get(evaluationId);
  if (evaluation?.status !== 'completed')
    throw new Error(`evaluation of run ${runId}: ${evaluation?.status} ${evaluation?.error ?? ''}`);
  return evaluation.figures;
}

async function trained(studio: Studio, config: RunConfig) {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  if (run.status !== 'completed') throw new Error(`${config.name}: run ${runId} ${run.status} ${run.error ?? ''}`);
  const test = (name: string) => run.latest.find((m) => m.split === 'test' && m.name === name)?.value;
  return { runId, run, test };
}

async function vae(): Promise<Section> {
  const epochs = 10;
  const ours = await elboRun(epochs);
  const notes: string[] = [];
  const torch = pytorch(epochs, 20, (line) => notes.push(line));
  return {
    title: 'VAE 784-400-20 on MNIST',
    setup: `Kingma & Welling's MLP VAE, BCE, batch 128, Adam 1e-3, seed 1, ${epochs} epochs on all 60,000 training images; test −ELBO on the 10,000 test images.`,
    figures: [
      {
        name: 'test −ELBO, nats per image (ours)',
        value: ours.negElbo.toFixed(2),
        against:
          torch?.negElbo !== undefined ? `PyTorch, same model and data here: ${torch.negElbo.toFixed(2)}` : 'PyTorch: not run',
      },
      { name: 'training time (ours)', value: `${ours.seconds.toFixed(0)} s on ${ours.backend}` },
    ],
    notes,
  };
}

const decPretrain = 10;
const decEpochs = 3;

async function clustering(studio: Studio): Promise<Section> {
  const ae = await trained(studio, { ...decAutoencoder(60_000, 30), name: 'acceptance: DEC autoencoder' });
  const e = await evaluate(studio, ae.runId, ['clustering', 'probe']);
  const decs: Figure[] = [];
  for (const preset of ['dec-mnist', 'idec-mnist']) {
    const config = findPreset(preset);
    if (config?.family !== 'deep-clustering') throw new Error(`no ${preset} preset`);
    config.name = `acceptance: ${preset}`;
    config.backend = 'wasm';
    config.dataset = { name: 'mnist' };
    // 10 epochs of pretraining and 3 of clustering on all of MNIST: the presets' network and update interval at a
    // length a 2-core machine trains in about a quarter of an hour (the papers pretrain for about 200 epochs).
    config.model = { ...config.model, pretrainEpochs: decPretrain };
    config.training = { ...config.training, epochs: decEpochs, seed: 1 };
    const { test } = await trained(studio, config);
    const label = preset.startsWith('idec') ? 'IDEC' : 'DEC';
    decs.push(
      {
        name: `${label}: AE + k-means it started from, ACC / NMI`,
        value: `${f3(test('pretrain_kmeans_acc'))} / ${f3(test('pretrain_kmeans_nmi'))}`,
      },
      {
        name: `${label}: cluster ACC / NMI after ${decEpochs} clustering epochs`,
        value: `${f3(test('cluster_acc'))} / ${f3(test('cluster_nmi'))}`,
        against: label === 'DEC' ? 'Xie et al. 2016: ACC 0.843' : 'Guo et al. 2017: ACC 0.881',
      },
    );
  }
  const probe = (n: number) => `${f3(e[`probe_${n}_acc`])} (pixels ${f3(e[`pixels_probe_${n}_acc`])})`;
  return {
    title: 'Clustering MNIST',
    setup: `DEC's autoencoder 784-500-500-2000-10 (ReLU, sigmoid output), BCE, Adam 1e-3, batch 256, seed 1, 30 epochs on all 60,000 training images; its 10,000 test codes clustered and probed. Then the dec-mnist and idec-mnist presets with ${decPretrain} pretraining and ${decEpochs} clustering epochs on all of MNIST.`,
    figures: [
      {
        name: 'AE + k-means: ACC / NMI / ARI',
        value: `${f3(e['kmeans_acc'])} / ${f3(e['kmeans_nmi'])} / ${f3(e['kmeans_ari'])}`,
        against: 'issue 14: ACC ≥ 0.75; Guo et al. 2017, AE + k-means: about 0.82',
      },
      { name: 'AE + GMM: ACC', value: f3(e['gmm_acc']) },
      {
        name: 'k-means on raw pixels: ACC / NMI',
        value: `${f3(e['pixels_kmeans_acc'])} / ${f3(e['pixels_kmeans_nmi'])}`,
        against: 'the literature: 0.53–0.55',
      },
      { name: 'linear probe, 10 labels per class', value: probe(10) },
      { name: 'linear probe, 100 labels per class', value: probe(100), against: 'issue 14: ≥ 0.90' },
      { name: 'linear probe, 1000 labels per class', value: probe(1000) },
      ...decs,
    ],
  };
}

async function shapes(studio: Studio): Promise<Section> {
  // Generated once per database: a second run on the same --db uses the set the first one drew.
  if (!studio.datasets.info(shapesSet.name)?.available) await studio.api['datasets.generate'](shapesSet);
  const epochs = 8;
  const scores = ['mig', 'factor_vae_score', 'beta_vae_score', 'dci_disentanglement', 'sap'];
  const figures: Figure[] = [];
  const mig: number[] = [];
  const rows: [string, RunConfig][] = [
    ['plain AE', shapesPair(4, epochs).ae],
    ['β-VAE, β = 4', shapesPair(4, epochs).vae],
    ['β-VAE, β = 16', shapesPair(16, epochs).vae],
  ];
  for (const [label, config] of rows) {
    const { runId } = await trained(studio, { ...config, name: `acceptance: ${label}` });
    const e = await evaluate(studio, runId, ['disentanglement']);
    figures.push({ name: `${label}: ${scores.join(' / ')}`, value: scores.map((s) => f3(e[s])).join(' / ') });
    mig.push(e['mig'] ?? Number.NaN);
  }
  const test = Math.round(shapesSet.count * generatedTestFraction);
  const [ae, beta4, beta16] = mig as [number, number, number];
  const expected = beta4 > ae && beta16 > beta4;
  return {
    title: 'Disentanglement on Shapes',
    setup:
      `One MLP body 4096-256-128-10 (latent size 10), BCE, Adam 1e-3, batch 64, seed 1, ${epochs} epochs on the ` +
      `${(shapesSet.count - test).toLocaleString('en')} training images of ${shapesSet.count.toLocaleString('en')} generated ` +
      `Shapes images. Scores by disentanglement_lib's definitions (src/analysis): MIG on ` +
      `${defaultDisentanglementPoints.toLocaleString('en')} images drawn afresh from the generator, SAP and DCI trained on them ` +
      `and tested on ${(defaultDisentanglementPoints / 2).toLocaleString('en')} more (disentanglement_lib's sizes); the β-VAE ` +
      `and FactorVAE scores, smaller than its defaults, on ${defaultScorePoints.toLocaleString('en')} training and ` +
      `${(defaultScorePoints / 2).toLocaleString('en')} evaluation points (disentanglement_lib: 10,000 and 5,000).`,
    figures,
    notes: [
      `The lecture (and Higgins et al. 2017) expect the β-VAE above the plain AE on MIG, more so as β grows: ${
        expected
          ? 'so it is here.'
          : `not so here (MIG ${f3(ae)} for the plain AE, ${f3(beta4)} at β = 4, ${f3(beta16)} at β = 16), at this scale and seed.`
      }`,
    ],
  };
}

async function prior(studio: Studio): Promise<Section> {
  const config = findPreset('vq-vae-mlp');
  if (config?.family !== 'vq-vae') throw new Error('no vq-vae-mlp preset');
  config.name = 'acceptance: VQ-VAE for its prior';
  config.backend = 'wasm';
  config.dataset = { name: 'mnist' };
  config.training = { ...config.training, epochs: 10, seed: 1 };
  const vq = await trained(studio, config);
  const epochs = 10;
  const { jobId } = await studio.api['prior.start']({ runId: vq.runId, epochs, seed: 1 });
  await studio.priors.whenEnded(jobId);
  const p = await studio.api['prior.get']({ runId: vq.runId });
  if (p?.status !== 'completed') throw new Error(`prior of run ${vq.runId}: ${p?.status} ${p?.error ?? ''}`);
  return {
    title: "The VQ-VAE's PixelCNN prior",
    setup: `The vq-vae-mlp preset, 10 epochs on all of MNIST, seed 1; then its PixelCNN prior over the code grid, ${epochs} epochs, seed 1.`,
    figures: [
      { name: 'VQ-VAE test MSE', value: (vq.test('mse') ?? NaN).toFixed(4) },
      {
        name: 'prior test NLL, bits per position',
        value: f3(p.figures['nll_bits']),
        against: `unigram (training codes' frequencies) ${f3(p.figures['unigram_bits'])}, per position ${f3(p.figures['position_unigram_bits'])}`,
      },
    ],
  };
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** What the figures were computed from, read before a part runs: commits that land during a long part are not it. */
function provenance(): { commit: string; started: Date } {
  const dirty = git('status', '--porcelain', '--', 'src', 'bench', 'tests', 'scripts', 'package.json', 'package-lock.json')
    ? ' (with uncommitted changes)'
    : '';
  return { commit: `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty}`, started: new Date() };
}

const utc = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

function render(part: Part, s: Section, from: ReturnType<typeof provenance>, seconds: number): string {
  const lines = [
    `<!-- part:${part} -->`,
    `## ${s.title}`,
    '',
    `- Commit ${from.commit}, ${utc(from.started)} to ${utc(new Date())} UTC`,
    `- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.versions.node}`,
    `- Wall time: ${(seconds / 60).toFixed(1)} min`,
    `- Set-up: ${s.setup}`,
    '',
    '| figure | value | read against |',
    '|---|---|---|',
    ...s.figures.map((f) => `| ${f.name} | ${f.value} | ${f.against ?? ''} |`),
    ...(s.notes?.length ? ['', ...s.notes.map((n) => `- ${n}`)] : []),
    `<!-- /part:${part} -->`,
  ];
  return lines.join('\n');
}

const header = `# Acceptance figures

Written by \`npm run acceptance\` (bench/acceptance.ts): the science at full size, which CI never runs. Each section
names the commit, date, machine and wall time of the run that wrote it; a part run alone (\`--part NAME\`) replaces
its own section (\`--db FILE\` keeps its runs in that studio database, \`--out FILE\` writes another document than this;
the webgpu part takes \`LATENT_STUDIO_ACCEPTANCE_PRESETS=a,b\` to measure only those presets). These machines are
noisy: compare figures within one run, not across days.
`;

/** The document with `part`'s section replaced (or added in the parts' order). */
function withSection(doc: string, part: Part, section: string): string {
  const re = new RegExp(`<!-- part:${part} -->[\\s\\S]*?<!-- /part:${part} -->`);
  // A function, not a string: a section's own text ($&, $') is not a replacement pattern.
  if (re.test(doc)) return doc.replace(re, () => section);
  const sections = parts.map((p) =>
    p === part ? section : (new RegExp(`<!-- part:${p} -->[\\s\\S]*?<!-- /part:${p} -->`).exec(doc)?.[0] ?? ''),
  );
  return `${header}\n${sections.filter(Boolean).join('\n\n')}\n`;
}

/**
 * One acceptance run at a time per document: two sharing the cores make each other's wall times meaningless. A
 * lock beside --out holds the pid; one left by a process that is gone is taken over.
 */
function lockDocument(out: string): () => void {
  const lock = `${out}.lock`;
  mkdirSync(dirname(out), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        console.error(`acceptance: another run (pid ${holder}) is measuring into ${out}; wait for it, or remove ${lock}`);
        process.exit(1);
      }
      // A lock left by a process that is gone: taken over by a rename (whole), then read again, since another run
      // may have taken it over at the same moment; the one whose pid is there holds it.
      const mine = `${lock}.${process.pid}`;
      writeFileSync(mine, String(process.pid));
      renameSync(mine, lock);
      if (Number(readFileSync(lock, 'utf8')) === process.pid) return () => rmSync(lock, { force: true });
    }
  }
}

/** The document written whole: a temporary file renamed over it, so an interrupted write leaves the old one. */
function writeDocument(out: string, text: string): void {
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, out);
}

const unlock = lockDocument(values.out);
const dir = values.db ? null : mkdtempSync(join(tmpdir(), 'latent-studio-acceptance-'));
const studio = createStudio({ dbPath: values.db ?? join(dir!, 'studio.db'), launcher: forkLauncher(), transport: 'headless' });
const run: Record<Part, (studio: Studio) => Promise<Section>> = { vae, clustering, shapes, prior, study, webgpu };
try {
  // One run at a time, with every core.
  await studio.api['scheduler.set']({ maxConcurrent: 1 });
  for (const part of parts) {
    if (!chosen.includes(part)) continue;
    const start = performance.now();
    const from = provenance();
    console.error(`acceptance: ${part}…`);
    const section = render(part, await run[part](studio), from, (performance.now() - start) / 1000);
    console.log(section);
    const doc = existsSync(values.out) ? readFileSync(values.out, 'utf8') : header;
    writeDocument(values.out, withSection(doc, part, section));
  }
} finally {
  await studio.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  unlock();
}
// wasm's thread pool (worker threads) would keep the process alive.
process.exit(0);
