/** `latent-studio runs --pareto`: exactly the runs no other run beats on every objective, against brute force. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, findPreset } from '../../src/core/studio';
import { writeMetrics } from '../../src/core/store/metrics';
import { finishRun, insertRun } from '../../src/core/store/runs';
import type { WorkerLauncher } from '../../src/core/training/protocol';
import { createRng } from '../../src/shared/random';
import { runCli, tempDir } from './helpers';

const noWorkers: WorkerLauncher = () => {
  throw new Error('no worker is needed to read runs');
};
let tmp: ReturnType<typeof tempDir>;
let db = '';
/** Each run's objectives: reconstruction and KL (minimised), β (a config field), the seconds it trained. */
const runs: { id: number; rec: number; kl: number; beta: number; seconds: number }[] = [];

beforeAll(async () => {
  tmp = tempDir();
  db = join(tmp.dir, 'pareto.db');
  const studio = createStudio({ dbPath: db, launcher: noWorkers, transport: 'headless' });
  const base = findPreset('beta-vae-4');
  if (!base || base.family !== 'vae') throw new Error('no beta-vae-4 preset');
  const rng = createRng(11);
  for (let i = 0; i < 40; i++) {
    const config = structuredClone(base);
    config.model.beta = [0.5, 1, 2, 4, 8][i % 5] ?? 1;
    config.name = `run ${i}`;
    const id = insertRun(studio.db, config, `hash-${i}`);
    // A rate–distortion trade-off with noise, on a coarse grid so that ties happen.
    const kl = Math.round(20 * rng()) / 2;
    const rec = Math.round(2 * (30 - kl + 6 * rng())) / 2;
    writeMetrics(studio.db, id, [
      { step: 1, epoch: 1, split: 'test', name: 'kl', value: kl },
      { step: 1, epoch: 1, split: 'test', name: 'reconstruction', value: rec },
      // The KL of each latent dimension, as a VAE reports it.
      { step: 1, epoch: 1, split: 'test', name: 'kl_dim_0', value: kl / 2 },
      { step: 1, epoch: 1, split: 'test', name: 'kl_dim_1', value: kl / 2 },
    ]);
    finishRun(studio.db, id, 'completed', null);
    // How long it trained (its training job's start to end; it waited a minute first): whole seconds, for ties.
    const seconds = 30 + Math.round(10 * rng());
    const at = (s: number) => new Date(Date.parse('2026-12-05T10:00:00Z') + i * 3_600_000 + s * 1000).toISOString();
    studio.db.prepare('UPDATE runs SET started_at = ?, ended_at = ? WHERE id = ?').run(at(0), at(60 + seconds), id);
    studio.db
      .prepare(`UPDATE jobs SET started_at = ?, ended_at = ? WHERE run_id = ? AND kind = 'train'`)
      .run(at(60), at(60 + seconds), id);
    runs.push({ id, rec, kl, beta: config.model.beta, seconds });
  }
  // A run that failed with figures better than every other's: no finished model, so on no front.
  const failed = insertRun(studio.db, { ...structuredClone(base), name: 'diverged' }, 'hash-failed');
  writeMetrics(studio.db, failed, [
    { step: 1, epoch: 1, split: 'test', name: 'kl', value: 0 },
    { step: 1, epoch: 1, split: 'test', name: 'reconstruction', value: 0 },
  ]);
  finishRun(studio.db, failed, 'failed', 'the loss diverged');
  await studio.close();
});
afterAll(() => tmp.cleanup());

/** The definition: a run is on the front when no other run is as good on every objective and better on one. */
function bruteForce(values: (r: (typeof runs)[number]) => number[]): number[] {
  const dominated = (a: number[], b: number[]) =>
    a.every((x, i) => x <= (b[i] as number)) && a.some((x, i) => x < (b[i] as number));
  return runs.filter((r) => !runs.some((o) => o !== r && dominated(values(o), values(r)))).map((r) => r.id);
}

describe('runs --pareto', () => {
  it('prints exactly the non-dominated runs, as JSON and as CSV', () => {
    const json = runCli('runs', '--db', db, '--pareto', 'test.reconstruction:min,test.kl:min', '--json');
    expect(json.code, json.stderr).toBe(0);
    const ids = (JSON.parse(json.stdout) as { rows: { id: number }[] }).rows.map((r) => r.id).sort((a, b) => a - b);
    const expected = bruteForce((r) => [r.rec, r.kl]).sort((a, b) => a - b);
    expect(ids).toEqual(expected);
    expect(json.stderr).toContain('--pareto: 1 run not completed left out of the front');
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.length).toBeLessThan(runs.length);

    const csv = runCli('runs', '--db', db, '--pareto', 'test.reconstruction:min,test.kl:min', '--csv');
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    expect(header).toContain('test.reconstruction');
    expect(lines.map((l) => Number(l.split(',')[0])).sort((a, b) => a - b)).toEqual(expected);
  });

  it('prints a table that fits a terminal: the per-dimension figures left to the CSV and JSON', () => {
    const text = runCli('runs', '--db', db, '--pareto', 'test.reconstruction:min,test.kl:min');
    expect(text.code, text.stderr).toBe(0);
    const [header] = text.stdout.split('\n');
    expect(header).toMatch(/model\.beta.*test\.kl.*test\.reconstruction/);
    expect(text.stdout).not.toContain('kl_dim_');
    expect(text.stdout).toContain('(per-dimension figures left out: 2 columns; --csv or --json has them)');
    const csv = runCli('runs', '--db', db, '--pareto', 'test.reconstruction:min,test.kl:min', '--csv');
    expect(csv.stdout.split('\n')[0]).toContain('test.kl_dim_0');
  });

  it('takes a config field as an objective, maximised', () => {
    const json = runCli('runs', '--db', db, '--pareto', 'test.kl:min,model.beta:max', '--json');
    expect(json.code, json.stderr).toBe(0);
    const ids = (JSON.parse(json.stdout) as { rows: { id: number }[] }).rows.map((r) => r.id).sort((a, b) => a - b);
    expect(ids).toEqual(bruteForce((r) => [r.kl, -r.beta]).sort((a, b) => a - b));
  });

  it('takes the time a run trained as an objective: the trade of quality against cost', () => {
    const json = runCli('runs', '--db', db, '--pareto', 'test.reconstruction:min,run.training_seconds:min', '--json');
    expect(json.code, json.stderr).toBe(0);
    const table = JSON.parse(json.stdout) as { rows: { id: number; metrics: Record<string, number> }[] };
    expect(table.rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(
      bruteForce((r) => [r.rec, r.seconds]).sort((a, b) => a - b),
    );
    for (const row of table.rows) expect(row.metrics['run.training_seconds']).toBe(runs.find((r) => r.id === row.id)?.seconds);
  });

  it('refuses an objective no run has, and one written wrong, naming it', () => {
    const unknown = runCli('runs', '--db', db, '--pareto', 'test.loss:min,test.nothing:max');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--pareto: test.loss is neither a metric these runs report');
    const wrong = runCli('runs', '--db', db, '--pareto', 'test.kl:lowest,test.reconstruction:min');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"test.kl:lowest": write an objective as METRIC:min or METRIC:max');
  });
});
