import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SweepSpec, type SweepSpecInput } from '../../src/shared/sweep';
import { ApiError } from '../../src/core/errors';
import { dispatch } from '../../src/core/dispatch';
import { createStudio, type Studio } from '../../src/core/studio';
import type { WorkerLauncher } from '../../src/core/training/protocol';
import { cliPath, cliWithin, openTestStudio, tempDir } from './helpers';
import { WorkerGate } from './worker-gate';

let tmp: ReturnType<typeof tempDir>;

const run = cliWithin(170_000);

/** A small MLP VAE on 1,000 MNIST images: six runs of it train in well under a minute on two cores. */
function betaSweep(name: string): SweepSpecInput {
  return {
    name,
    method: 'grid',
    base: {
      family: 'vae',
      backend: 'wasm',
      model: {
        encoder: [{ type: 'dense', units: 128, activation: 'relu' }],
        latentSize: 8,
        decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
        outputActivation: 'sigmoid',
        beta: 1,
        klWarmupEpochs: 0,
      },
      dataset: { name: 'mnist', trainSubset: 1000, testSubset: 500 },
      training: { loss: 'bce', batchSize: 50, epochs: 2, learningRate: 0.001, optimizer: 'adam', seed: 1 },
    },
    parameters: { 'model.beta': { values: [0.5, 2, 8] }, 'training.seed': { values: [1, 2] } },
  };
}

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

describe('a β sweep from the CLI', () => {
  it('trains every run under the limit, and its KL falls as β grows; the CSV has a row per run', () => {
    const db = join(tmp.dir, 'cli.db');
    const file = join(tmp.dir, 'beta.json');
    // Each run's likelihood is estimated as it completes (K = 10 importance samples, to keep this short).
    writeFileSync(file, JSON.stringify({ ...betaSweep('β sweep'), evaluate: { what: ['nll'], nllSamples: 10 } }));
    const r = run('sweep', file, '--db', db, '--max-concurrent', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/6 runs queued, 2 at a time/);
    // The scheduler's limit: never more than two running at once in its progress lines.
    const running = [...r.stderr.matchAll(/(\d+) running/g)].map((m) => Number(m[1]));
    expect(running.length).toBeGreaterThan(0);
    expect(Math.max(...running)).toBeLessThanOrEqual(2);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as {
      sweepId: number;
      runs: {
        id: number;
        params: Record<string, number>;
        status: string;
        test: Record<string, number>;
        eval: Record<string, number>;
      }[];
    };
    expect(result.runs).toHaveLength(6);
    expect(result.runs.every((x) => x.status === 'completed')).toBe(true);
    // Every VAE of the sweep was evaluated when it completed: its importance-weighted NLL is at most its −ELBO.
    console.log(
      `IW NLL (K = 10) / −ELBO by run: ${result.runs.map((x) => `${x.eval['iw_nll']?.toFixed(2)} / ${x.eval['neg_elbo']?.toFixed(2)}`).join(', ')}`,
    );
    for (const x of result.runs) {
      expect(x.eval['iw_nll'], `run ${x.id}`).toBeGreaterThan(0);
      expect(x.eval['iw_nll'], `run ${x.id}`).toBeLessThanOrEqual(x.eval['neg_elbo']!);
    }
    const meanKl = [0.5, 2, 8].map((beta) => {
      const kls = result.runs.filter((x) => x.params['model.beta'] === beta).map((x) => x.test['kl'] ?? NaN);
      expect(kls).toHaveLength(2);
      return kls.reduce((a, b) => a + b, 0) / kls.length;
    });
    console.log(`mean test KL by β 0.5, 2, 8: ${meanKl.map((k) => k.toFixed(2)).join(', ')} nats`);
    expect(meanKl[1]).toBeLessThan(meanKl[0] as number);
    expect(meanKl[2]).toBeLessThan(meanKl[1] as number);

    const csv = run('runs', '--db', db, '--experiment', 'β sweep', '--csv');
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    const columns = (header ?? '').split(',');
    expect(columns.slice(0, 9)).toEqual([
      'id',
      'name',
      'status',
      'family',
      'starred',
      'tags',
      'notes',
      'model.beta',
      'training.seed',
    ]);
    expect(columns).toEqual(expect.arrayContaining(['test.kl', 'test.reconstruction', 'test.loss']));
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      const cells = line.split(',');
      const row = result.runs.find((x) => x.id === Number(cells[0]));
      expect(row).toBeDefined();
      expect(Number(cells[columns.indexOf('model.beta')])).toBe(row?.params['model.beta']);
      expect(Number(cells[columns.indexOf('test.kl')])).toBeCloseTo(row?.test['kl'] ?? NaN, 10);
    }
  }, 240_000);
});

/** A launcher that must never be used: the refused specs below queue nothing, so no worker may start. */
const noWorkers: WorkerLauncher = () => {
  throw new Error('a refused sweep started a worker');
};

describe('bad sweep specs are refused naming the path, and nothing is queued', () => {
  let studio: Studio;
  beforeAll(() => {
    studio = createStudio({ dbPath: join(tmp.dir, 'refused.db'), launcher: noWorkers, transport: 'headless' });
  });
  afterAll(async () => studio.close());

  const base = betaSweep('refused').base as { training: object };
  const cases: [string, string, Partial<SweepSpecInput>][] = [
    ['an unknown config path', 'parameters.model.betta', { parameters: { 'model.betta': { values: [1, 2] } } }],
    ['an unknown top-level section', 'parameters.modle.beta', { parameters: { 'modle.beta': { values: [1] } } }],
    ['not a path', 'parameters.model..beta', { parameters: { 'model..beta': { values: [1] } } }],
    ['empty values', 'parameters.model.beta.values', { parameters: { 'model.beta': { values: [] } } }],
    ['a value the field refuses', 'parameters.model.beta', { parameters: { 'model.beta': { values: [1, -2] } } }],
    ['a value of the wrong type', 'parameters.training.epochs', { parameters: { 'training.epochs': { values: ['two'] } } }],
    [
      'a subset larger than the data set',
      'parameters.dataset.trainSubset',
      { parameters: { 'dataset.trainSubset': { values: [1e7] } } },
    ],
    ['more runs than the cap', 'maxRuns', { maxRuns: 5 }],
    ['a random sweep without a count', 'count', { method: 'random' }],
    [
      'a range in a grid',
      'parameters.training.learningRate',
      { parameters: { 'training.learningRate': { min: 1e-4, max: 1e-2 } } },
    ],
    [
      'a range with min above max',
      'parameters.training.learningRate.max',
      { method: 'random', count: 3, parameters: { 'training.learningRate': { min: 1, max: 0.1 } } },
    ],
    ['a value listed twice', 'parameters.model.beta.values', { parameters: { 'model.beta': { values: [2, 2] } } }],
    ['an unknown preset', 'base', { base: 'no-such-preset' }],
    ['a bad base config', 'base.training.batchSize', { base: { ...base, training: { ...base.training, batchSize: 0 } } }],
    ['no parameters', 'parameters', { parameters: {} }],
    ['an evaluation the data does not allow', 'evaluate.what', { evaluate: { what: ['disentanglement'] } }],
    ['an unknown evaluation', 'evaluate.what[0]', { evaluate: { what: ['spectral' as 'nll'] } }],
  ];

  it.each(cases)('%s: %s', async (_what, path, change) => {
    const spec = { ...betaSweep('refused'), ...change };
    // What every transport calls: the contract's parse, then the core's checks of each generated config.
    for (const dryRun of [true, false]) {
      const answer = await dispatch(studio.api, 'sweeps.create', { spec, dryRun });
      // A refused run is a 400 naming the path; a dry run answers the core's refusals as issues.
      const issues = answer.ok
        ? (answer.value as { issues: { path: string; message: string }[] }).issues
        : (answer.error.issues ?? []);
      if (!answer.ok) {
        expect(answer.error.code).toBe('bad_request');
        expect(answer.error.message).toContain(path);
      } else expect(dryRun).toBe(true);
      expect(
        issues.map((i) => i.path),
        JSON.stringify(answer),
      ).toContain(path);
    }
    const counts = studio.db.prepare('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM sweeps) AS sweeps').get();
    expect(counts).toEqual({ runs: 0, sweeps: 0 });
  });

  it('refuses a second sweep of the same name, naming it', async () => {
    const db = join(tmp.dir, 'names.db');
    const s = openTestStudio(db);
    try {
      await s.api['sweeps.create']({ spec: { ...betaSweep('twice'), maxRuns: 100, seed: 0 } as never, dryRun: true });
      const first = await s.api['sweeps.create']({
        spec: { ...betaSweep('twice'), parameters: { 'model.beta': { values: [1] } }, maxRuns: 100, seed: 0 } as never,
      });
      await s.api['sweeps.cancel']({ sweepId: first.sweepId ?? 0 });
      const again = await s.api['sweeps.create']({ spec: { ...betaSweep('twice'), maxRuns: 100, seed: 0 } as never }).catch(
        (e: unknown) => e,
      );
      expect(again).toBeInstanceOf(ApiError);
      expect((again as ApiError).issues?.map((i) => i.path)).toEqual(['name']);
      expect(studio.db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 0 });
    } finally {
      await s.close();
    }
  });

  it('the CLI refuses a bad spec naming the file and the path, and queues nothing', () => {
    const db = join(tmp.dir, 'cli-refused.db');
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...betaSweep('bad'), parameters: { 'model.betta': { values: [1, 2] } } }));
    const r = run('sweep', file, '--db', db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.json refused: parameters.model.betta: unknown config path');
    writeFileSync(file, JSON.stringify({ ...betaSweep('bad'), parameters: { 'model.beta': { values: [] } } }));
    expect(run('sweep', file, '--db', db).stderr).toContain('bad.json refused: parameters.model.beta.values');
    expect(run('runs', '--db', db, '--json').stdout.trim()).toBe('[]');
  });
});

describe('a sweep is one job', () => {
  const ended = (s: Studio, runIds: number[]) => Promise.all(runIds.map((id) => s.orchestrator.whenEnded(id)));
  const statuses = async (s: Studio, sweepId: number) => (await s.api['sweeps.get']({ sweepId })).runs.map((r) => r.status);

  it('is cancelled and resumed as a whole, under the limit', async () => {
    const studio = createStudio({
      dbPath: join(tmp.dir, 'whole.db'),
      launcher: (await import('../../src/core/training/fork-launcher')).forkLauncher(),
      transport: 'headless',
      orchestrator: { maxConcurrent: 1 },
    });
    try {
      const spec = SweepSpec.parse({ ...betaSweep('whole'), parameters: { 'model.beta': { values: [1, 2, 4] } } });
      const { sweepId, runs } = await studio.api['sweeps.create']({ spec });
      const ids = runs.map((r) => r.runId ?? 0);
      // One worker under the limit of one, for the first run; the others wait in the queue.
      expect(studio.orchestrator.activeRunIds).toEqual([ids[0]]);
      expect(await statuses(studio, sweepId ?? 0)).toEqual(['queued', 'queued', 'queued']);
      await studio.orchestrator.whenEnded(ids[0] ?? 0);
      const cancelled = await studio.api['sweeps.cancel']({ sweepId: sweepId ?? 0 });
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.counts).toMatchObject({ completed: 1, cancelled: 2, queued: 0, running: 0 });
      expect(cancelled.etaSeconds).toBeNull();

      const resumed = await studio.api['sweeps.resume']({ sweepId: sweepId ?? 0 });
      expect(resumed.state).toBe('active');
      expect(resumed.counts.running + resumed.counts.queued).toBe(2);
      expect(studio.orchestrator.activeRunIds).toHaveLength(1);
      await ended(studio, ids);
      const done = await studio.api['sweeps.get']({ sweepId: sweepId ?? 0 });
      expect(done.runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
      expect(done.etaSeconds).toBe(0);
      // Its table names the field it swept (the runs' names differ too, but are no config field of theirs).
      const table = await studio.api['runs.table']({ sweepId: sweepId ?? 0 });
      expect(table.swept).toEqual(['model.beta']);
      expect(table.fields[0]).toBe('model.beta');
    } finally {
      await studio.close();
    }
  }, 180_000);

  it('Ctrl-C on the CLI cancels the evaluations it waits on; the same command again evaluates what they left', async () => {
    const db = join(tmp.dir, 'ctrl-c.db');
    const file = join(tmp.dir, 'ctrl-c.json');
    const spec = {
      ...betaSweep('ctrl-c'),
      parameters: { 'model.beta': { values: [1] } },
      evaluate: { what: ['nll'], nllSamples: 500 },
    };
    writeFileSync(file, JSON.stringify(spec));
    const child = spawn(process.execPath, [cliPath, 'sweep', file, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // One Ctrl-C, as a user presses it once (a second leaves the sweep running and ends the CLI at once).
      if (!interrupted && /waiting for evaluation \d+ \(nll\)/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr, stderr).toMatch(/sweep \d+: cancelled, with 1 evaluation\(s\) under way/);
    const studio = openTestStudio(db);
    try {
      const [sweep] = await studio.api['sweeps.list']({});
      const runId = (await studio.api['sweeps.get']({ sweepId: sweep?.id ?? 0 })).runs[0]?.runId ?? 0;
      expect((await studio.api['evaluations.list']({ runId })).map((e) => e.status)).toEqual(['cancelled']);
    } finally {
      await studio.close();
    }
    expect(code).toBe(0);

    const again = run('sweep', file, '--db', db);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/evaluating it again \(its evaluation was cancelled or failed\)/);
    const result = JSON.parse(again.stdout.trim().split('\n').at(-1) ?? '') as { runs: { eval: Record<string, number> }[] };
    expect(result.runs[0]?.eval['iw_nll']).toBeGreaterThan(0);
  }, 180_000);

  it('continues when the studio restarts mid-sweep: its queued runs are taken up, its interrupted ones resume', async () => {
    const dbPath = join(tmp.dir, 'restart.db');
    const launcher = (await import('../../src/core/training/fork-launcher')).forkLauncher();
    // The first run holds in its second epoch (20 steps each), after the checkpoint of its first: the studio
    // stops while it certainly trains, with a checkpoint to continue from, on a machine of any speed.
    const gate = new WorkerGate(tmp.dir);
    gate.holdAt(30);
    const first = createStudio({ dbPath, launcher, transport: 'headless', orchestrator: { maxConcurrent: 1 } });
    const spec = SweepSpec.parse({ ...betaSweep('restart'), parameters: { 'model.beta': { values: [1, 4] } } });
    const { sweepId, runs } = await first.api['sweeps.create']({ spec });
    const ids = runs.map((r) => r.runId ?? 0);
    await gate.held(30);
    while ((await first.api['runs.get']({ runId: ids[0] ?? 0 })).checkpoints.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await first.close();
    gate.remove();
    const second = createStudio({ dbPath, launcher, transport: 'headless', orchestrator: { maxConcurrent: 1 } });
    try {
      const before = await second.api['runs.get']({ runId: ids[0] ?? 0 });
      expect(before.interruptions.at(-1)?.error).toMatch(/the studio stopped/);
      await ended(second, ids);
      const after = await second.api['sweeps.get']({ sweepId: sweepId ?? 0 });
      expect(after.runs.map((r) => r.status)).toEqual(['completed', 'completed']);
      expect((await second.api['runs.get']({ runId: ids[0] ?? 0 })).interruptions).toHaveLength(1);
    } finally {
      await second.close();
    }
  }, 180_000);
});
