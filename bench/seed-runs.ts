/**
 * Fills a studio database with a synthetic β-VAE sweep: N completed runs (β × seed), each with `points`
 * batch-loss points, per-epoch train/test metrics shaped like a real β sweep (KL falls and reconstruction
 * rises with β), and reconstruction images every few epochs. For looking at the runs table and the
 * comparison at scale, and for the bench's 200-run figures; never used by tests as a source of results.
 *
 *   npx tsx bench/seed-runs.ts <db path> [--runs 200] [--points 2000] [--epochs 20]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { findPreset } from '../src/core/studio';
import { openDb } from '../src/core/store/db';
import { writeMetrics } from '../src/core/store/metrics';
import { insertArtifact } from '../src/core/store/artifacts';
import { finishRun } from '../src/core/store/runs';
import { insertSweep } from '../src/core/store/sweeps';
import { configHash } from '../src/core/training/config-hash';
import { imagePng } from '../src/core/training/images';
import { createRng } from '../src/shared/random';
import { expandSweep, SweepSpec } from '../src/shared/sweep';
import type { MetricPoint } from '../src/shared/api';

export interface SeedOptions {
  runs: number;
  points: number;
  epochs: number;
  name?: string;
}

export async function seedSyntheticRuns(dbPath: string, o: SeedOptions): Promise<number[]> {
  const db = openDb(dbPath);
  const betas = [0.25, 0.5, 1, 2, 4, 8, 16, 32].slice(0, Math.max(1, Math.min(8, Math.ceil(o.runs / 2))));
  const seeds = Array.from({ length: Math.ceil(o.runs / betas.length) }, (_, i) => i + 1);
  const base = findPreset('beta-vae-4');
  if (!base) throw new Error('the beta-vae-4 preset is missing');
  const spec = SweepSpec.parse({
    name: o.name ?? `synthetic β sweep ${o.runs}×${o.points}`,
    base: 'beta-vae-4',
    method: 'grid',
    parameters: { 'model.beta': { values: betas }, 'training.seed': { values: seeds } },
    maxRuns: 1000,
  });
  base.training.epochs = o.epochs;
  const plan = expandSweep(spec, base);
  if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
  const points = plan.points.slice(0, o.runs);
  const { runIds } = insertSweep(db, spec, points, configHash);
  const stepsPerEpoch = Math.max(1, Math.floor(o.points / o.epochs));
  const t0 = Date.now() - o.runs * 60_000;
  for (const [i, runId] of runIds.entries()) {
    const p = points[i];
    if (!p) continue;
    const beta = Number(p.params['model.beta']);
    const rng = createRng(runId * 7919);
    const noise = () => (rng() - 0.5) * 0.04;
    // Rate falls and distortion rises with β (the rate–distortion trade-off), each converging over training.
    const kl = (e: number) => (28 / (1 + Math.log2(1 + beta))) * (1 - 0.5 * Math.exp(-e / 3)) * (1 + noise());
    const rec = (e: number) => (70 + 12 * Math.log2(1 + beta)) * (1 + 1.5 * Math.exp(-e / 2)) * (1 + noise());
    const metrics: MetricPoint[] = [];
    for (let s = 0; s < o.points; s++) {
      const e = s / stepsPerEpoch;
      metrics.push({ step: s + 1, epoch: e, split: 'train', name: 'batch_loss', value: rec(e) + beta * kl(e) + noise() * 200 });
    }
    for (let e = 1; e <= o.epochs; e++) {
      const step = e * stepsPerEpoch;
      for (const split of ['train', 'test'] as const) {
        metrics.push({ step, epoch: e, split, name: 'loss', value: rec(e) + beta * kl(e) });
        metrics.push({ step, epoch: e, split, name: 'kl', value: kl(e) });
        metrics.push({ step, epoch: e, split, name: 'reconstruction', value: rec(e) });
      }
      metrics.push({ step, epoch: e, split: 'test', name: 'neg_elbo', value: rec(e) + kl(e) });
    }
    writeMetrics(db, runId, metrics);
    for (let e = 0; e <= o.epochs; e += Math.max(1, Math.floor(o.epochs / 4))) {
      // An 8×8 grid of 28×28 tiles whose blur falls with epochs and rises with β, so images differ visibly.
      const size = 28 * 4;
      const img = new Uint8Array(size * size);
      const sharp = Math.min(1, (e + 1) / (o.epochs + 1)) / (1 + Math.log2(1 + beta) / 3);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const cx = (x % 28) - 14;
          const cy = (y % 28) - 14;
          const r = Math.sqrt(cx * cx + cy * cy);
          img[y * size + x] = Math.round(
            255 * Math.max(0, Math.min(1, (1 - Math.abs(r - 7) / (2 + 6 * (1 - sharp))) * sharp + rng() * 0.05)),
          );
        }
      insertArtifact(db, runId, {
        kind: 'reconstructions',
        epoch: e,
        step: e * stepsPerEpoch,
        caption: `epoch ${e}: originals and reconstructions`,
        mime: 'image/png',
        width: size,
        height: size,
        data: await imagePng(img, size, size, 1),
      });
    }
    const started = new Date(t0 + i * 60_000).toISOString();
    const ended = new Date(t0 + i * 60_000 + 45_000).toISOString();
    // Ended through the store, so the run's training job ends with it; then the times of a minute's run.
    finishRun(db, runId, 'completed', null);
    db.prepare(`UPDATE runs SET started_at = ?, ended_at = ?, backend = 'wasm' WHERE id = ?`).run(started, ended, runId);
  }
  db.close();
  return runIds;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '60' },
      points: { type: 'string', default: '500' },
      epochs: { type: 'string', default: '20' },
      name: { type: 'string' },
    },
  });
  const [dbPath] = positionals;
  if (!dbPath) throw new Error('usage: npx tsx bench/seed-runs.ts <db path> [--runs N] [--points N] [--epochs N]');
  const ids = await seedSyntheticRuns(dbPath, {
    runs: Number(values.runs),
    points: Number(values.points),
    epochs: Number(values.epochs),
    ...(values.name ? { name: values.name } : {}),
  });
  console.log(`seeded ${ids.length} runs (${ids[0]}..${ids[ids.length - 1]}) into ${dbPath}`);
}
