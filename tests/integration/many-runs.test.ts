import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../src/shared/api';
import { createStudio, findPreset, type Studio } from '../../src/core/studio';
import { finishRun, insertRun } from '../../src/core/store/runs';
import { writeMetrics } from '../../src/core/store/metrics';
import { insertArtifact } from '../../src/core/store/artifacts';
import type { WorkerLauncher } from '../../src/core/training/protocol';
import { tempDir } from './helpers';

const noWorkers: WorkerLauncher = () => {
  throw new Error('no worker is needed to read runs');
};

let tmp: ReturnType<typeof tempDir>;
let studio: Studio;
const ids: number[] = [];

/** Counts the SQL statements executed while `f` runs (every prepared statement's all/get/run/iterate). */
async function statementsDuring(f: () => Promise<unknown>): Promise<number> {
  const proto = Object.getPrototypeOf(studio.db.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  const methods = ['all', 'get', 'run', 'iterate'] as const;
  const saved = methods.map((m) => proto[m]);
  let n = 0;
  for (const [i, m] of methods.entries()) {
    const original = saved[i] as (...a: unknown[]) => unknown;
    proto[m] = function (this: unknown, ...args: unknown[]) {
      n++;
      return original.apply(this, args);
    };
  }
  try {
    await f();
  } finally {
    for (const [i, m] of methods.entries()) proto[m] = saved[i] as (...a: unknown[]) => unknown;
  }
  return n;
}

beforeAll(async () => {
  tmp = tempDir();
  studio = createStudio({ dbPath: join(tmp.dir, 'many.db'), launcher: noWorkers, transport: 'headless' });
  const base = findPreset('beta-vae-4');
  if (!base || base.family !== 'vae') throw new Error('no beta-vae-4 preset');
  for (let i = 0; i < 40; i++) {
    const config = structuredClone(base);
    config.model.beta = [0.5, 2, 8, 16][i % 4] ?? 1;
    config.training.seed = i;
    config.experiment = i < 30 ? 'many' : 'other';
    const id = insertRun(studio.db, config, `hash-${i}`);
    // Finished runs, to read: none waits for a worker.
    finishRun(studio.db, id, 'completed', null);
    ids.push(id);
    // Batch losses at every step, and test losses every 50 steps, as the trainer logs them.
    const points: MetricPoint[] = [];
    const steps = 500 + i * 10;
    for (let s = 1; s <= steps; s++)
      points.push({ step: s, epoch: s / 50, split: 'train', name: 'batch_loss', value: 1000 / s + i });
    for (let s = 50; s <= steps; s += 50) points.push({ step: s, epoch: s / 50, split: 'test', name: 'loss', value: 100 / s });
    writeMetrics(studio.db, id, points);
    insertArtifact(studio.db, id, {
      kind: 'reconstructions',
      epoch: 1,
      step: 50,
      caption: 'r',
      mime: 'image/png',
      width: 1,
      height: 1,
      data: new Uint8Array([i]),
    });
    if (i < 2) {
      insertArtifact(studio.db, id, {
        kind: 'samples',
        epoch: 3 - i,
        step: 100,
        caption: 's',
        mime: 'image/png',
        width: 1,
        height: 1,
        data: new Uint8Array([i]),
      });
    }
  }
});
afterAll(async () => {
  await studio.close();
  tmp.cleanup();
});

describe('reading many runs', () => {
  it('downsamples curves to at most maxPoints, keeping both ends and short curves whole', async () => {
    const curves = await studio.api['runs.curves']({
      runIds: [ids[3] ?? 0, ids[1] ?? 0],
      metrics: [
        { split: 'train', name: 'batch_loss' },
        { split: 'test', name: 'loss' },
      ],
      maxPoints: 100,
    });
    expect(curves.map((c) => [c.runId, c.name])).toEqual([
      [ids[3], 'batch_loss'],
      [ids[1], 'batch_loss'],
      [ids[3], 'loss'],
      [ids[1], 'loss'],
    ]);
    const full = await studio.api['runs.metrics']({ runId: ids[3] ?? 0 });
    const batch = full.filter((m) => m.name === 'batch_loss');
    const [long, , short] = curves;
    expect(long?.step.length).toBeLessThanOrEqual(101);
    expect(long?.step.length).toBeGreaterThanOrEqual(90);
    expect(long?.step[0]).toBe(1);
    expect(long?.step.at(-1)).toBe(batch.at(-1)?.step);
    expect(long?.value.at(-1)).toBe(batch.at(-1)?.value);
    // Every kept point is a recorded one, in step order.
    const byStep = new Map(batch.map((m) => [m.step, m.value]));
    long?.step.forEach((s, i) => expect(byStep.get(s)).toBe(long.value[i]));
    expect([...(long?.step ?? [])].sort((a, b) => a - b)).toEqual(long?.step);
    // The test curve has 10 points: fewer than maxPoints, so all of them.
    expect(short?.step).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 450, 500].map((s) => s));
  });

  it('reads the runs table of an experiment with its differing fields and final metrics', async () => {
    const table = await studio.api['runs.table']({ experiment: 'many' });
    expect(table.rows).toHaveLength(30);
    expect(table.fields).toEqual(['model.beta', 'training.seed']);
    expect(table.metrics).toEqual(['test.loss', 'train.batch_loss']);
    const row = table.rows.find((r) => r.id === ids[2]);
    expect(row?.config['model.beta']).toBe(8);
    expect(row?.metrics['train.batch_loss']).toBeCloseTo(1000 / 520 + 2, 10);
    // A per-dimension figure's columns in the order of its dimensions: 0, 1, 2 … 10, 11.
    const perDimension = [11, 2, 0, 10, 1].map((d) => ({
      step: 500,
      epoch: 10,
      split: 'test' as const,
      name: `kl_dim_${d}`,
      value: d,
    }));
    writeMetrics(studio.db, ids[0] ?? 0, perDimension);
    const withDimensions = await studio.api['runs.table']({ runIds: [ids[0] ?? 0] });
    expect(withDimensions.metrics.filter((m) => m.startsWith('test.kl_dim_'))).toEqual(
      [0, 1, 2, 10, 11].map((d) => `test.kl_dim_${d}`),
    );
  });

  it('answers the list, the table, the curves and the image index in the same number of queries for 4 runs as for 40', async () => {
    const counts = async (runIds: number[]) => [
      await statementsDuring(() => studio.api['runs.list']({ runIds })),
      await statementsDuring(() => studio.api['runs.table']({ runIds })),
      await statementsDuring(() =>
        studio.api['runs.curves']({ runIds, metrics: [{ split: 'train', name: 'batch_loss' }], maxPoints: 100 }),
      ),
      await statementsDuring(() => studio.api['artifacts.index']({ runIds })),
    ];
    const few = await counts(ids.slice(0, 4));
    const many = await counts(ids);
    console.log(`statements for 4 runs: ${few.join(', ')}; for 40 runs: ${many.join(', ')}`);
    expect(many).toEqual(few);
    expect(Math.max(...many)).toBeLessThanOrEqual(3);
    expect(await statementsDuring(() => studio.api['runs.list']({}))).toBeLessThanOrEqual(2);
    expect((await studio.api['artifacts.index']({ runIds: ids })).length).toBe(42);
    expect(await statementsDuring(() => studio.api['artifacts.kinds']({ runIds: ids }))).toBe(1);
  });

  it('lists the kinds of image many runs have, the most widely held first, with their epochs', async () => {
    expect(await studio.api['artifacts.kinds']({ runIds: ids })).toEqual([
      { kind: 'reconstructions', mime: 'image/png', runs: 40, epochs: [1] },
      { kind: 'samples', mime: 'image/png', runs: 2, epochs: [2, 3] },
    ]);
    const samples = await studio.api['artifacts.index']({ runIds: ids, kind: 'samples' });
    expect(samples.map((a) => [a.runId, a.epoch])).toEqual([
      [ids[0], 3],
      [ids[1], 2],
    ]);
  });
});

describe('a run that ended before its last epoch', () => {
  it('says in the table the epoch its final figures are of; a completed run does not', async () => {
    const base = findPreset('beta-vae-4');
    if (!base) throw new Error('no beta-vae-4 preset');
    const config = { ...structuredClone(base), experiment: 'short' };
    const stopped = insertRun(studio.db, config, 'short-1');
    const completed = insertRun(studio.db, { ...config, training: { ...config.training, seed: 2 } }, 'short-2');
    const testLoss = (epochs: number): MetricPoint[] =>
      Array.from({ length: epochs }, (_, e) => ({
        step: (e + 1) * 10,
        epoch: e + 1,
        split: 'test',
        name: 'loss',
        value: 10 - e,
      }));
    writeMetrics(studio.db, stopped, testLoss(2));
    writeMetrics(studio.db, completed, testLoss(config.training.epochs));
    finishRun(studio.db, stopped, 'stopped', 'stopped by Hyperband at rung 0 (epoch 2)');
    finishRun(studio.db, completed, 'completed', null);
    const table = await studio.api['runs.table']({ experiment: 'short' });
    const byId = new Map(table.rows.map((r) => [r.id, r]));
    expect(byId.get(stopped)?.endedAtEpoch).toBe(2);
    expect(byId.get(stopped)?.metrics['test.loss']).toBe(9);
    expect(byId.get(completed)).not.toHaveProperty('endedAtEpoch');
  });
});
