import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWithin, mnistConfig, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let db: string;

const run = cliWithin(170_000);

function runCount(): number {
  const r = run('runs', '--db', db, '--json');
  return (JSON.parse(r.stdout) as unknown[]).length;
}

beforeAll(() => {
  tmp = tempDir();
  db = join(tmp.dir, 'cli.db');
});
afterAll(() => tmp.cleanup());

describe('latent-studio CLI', () => {
  it('trains a config file and ends with one JSON line', () => {
    const file = join(tmp.dir, 'config.json');
    writeFileSync(file, JSON.stringify(mnistConfig({ trainSubset: 3000, epochs: 5 })));
    const r = run('train', file, '--db', db, '--epochs', '1', '--subset', '4000', '--seed', '3');
    expect(r.code).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(last) as {
      runId: number;
      status: string;
      train: { loss: number };
      test: { loss: number; mse: number; baseline_mse: number };
      backend: string;
      seconds: number;
    };
    console.log(`CLI run: test MSE ${result.test.mse} vs mean-image baseline ${result.test.baseline_mse}`);
    expect(result.status).toBe('completed');
    expect(result.backend).toBe('wasm');
    expect(result.test.mse).toBeGreaterThan(0);
    expect(result.test.mse).toBeLessThan(result.test.baseline_mse);
    expect(result.train.loss).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/epoch 1\/1/);

    const runs = JSON.parse(run('runs', '--db', db, '--json').stdout) as { id: number; epochs: number }[];
    expect(runs.map((x) => x.id)).toContain(result.runId);
    expect(runs.find((x) => x.id === result.runId)?.epochs).toBe(1);
    expect(run('runs', '--db', db).stdout).toMatch(/completed/);
  });

  it.each([
    ['model.latentSize', { model: { latentSize: 0 } }],
    ['training.loss', { training: { loss: 'hinge' } }],
    ['training.epochs', { training: { epochs: -2 } }],
    [
      'training.batchSize: 128 is larger than the 100',
      { training: { batchSize: 128 }, dataset: { name: 'mnist', trainSubset: 100 } },
    ],
    [
      'training.batchSize: 64 is larger than the 50',
      { training: { batchSize: 64 }, dataset: { name: 'mnist', classes: [0], trainSubset: 50 } },
    ],
    [
      'model: this autoencoder model would need about',
      { model: { encoder: Array.from({ length: 24 }, () => ({ type: 'dense', units: 8192, activation: 'relu' })) } },
    ],
  ])('refuses a config naming %s, exits non-zero and stores nothing', (field, patch) => {
    const before = runCount();
    const base = mnistConfig() as unknown as Record<string, Record<string, unknown>>;
    const patched = { ...base };
    for (const [section, values] of Object.entries(patch)) patched[section] = { ...base[section], ...values };
    const file = join(tmp.dir, `bad-${field.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(patched));
    const r = run('train', file, '--db', db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(field);
    expect(runCount()).toBe(before);
  });

  it('refuses a missing field, a bad override, a non-JSON file and a missing file', () => {
    const { dataset: _d, ...missing } = mnistConfig();
    const file = join(tmp.dir, 'missing.json');
    writeFileSync(file, JSON.stringify(missing));
    expect(run('train', file, '--db', db).stderr).toMatch(/dataset: /);
    const ok = join(tmp.dir, 'ok.json');
    writeFileSync(ok, JSON.stringify(mnistConfig()));
    const neg = run('train', ok, '--db', db, '--epochs=-1');
    expect(neg.code).toBe(2);
    expect(neg.stderr).toContain('training.epochs');
    const notJson = join(tmp.dir, 'notjson.json');
    writeFileSync(notJson, '{ nope');
    expect(run('train', notJson, '--db', db).stderr).toMatch(/notjson\.json: not valid JSON/);
    const gone = run('train', join(tmp.dir, 'nothere.json'), '--db', db);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/nothere\.json: no such config file or preset/);
  });

  it('lists presets', () => {
    const presets = JSON.parse(run('presets', '--json').stdout) as { name: string; family: string }[];
    expect(presets.map((p) => p.name)).toContain('lecture-mlp-784-128-64-12-3');
  });
});

describe('latent-studio data set commands', () => {
  function idxFile(file: string, dims: number[], data: Uint8Array): void {
    const header = Buffer.alloc(4 + 4 * dims.length);
    header[2] = 0x08;
    header[3] = dims.length;
    dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
    writeFileSync(file, Buffer.concat([header, Buffer.from(data)]));
  }

  it('imports an IDX file with labels, lists it, and names the same data set in a training config', () => {
    const images = join(tmp.dir, 'tiny-images.idx');
    const labels = join(tmp.dir, 'tiny-labels.idx');
    idxFile(
      images,
      [40, 8, 8],
      Uint8Array.from({ length: 40 * 64 }, (_, i) => (i * 5) % 256),
    );
    idxFile(
      labels,
      [40],
      Uint8Array.from({ length: 40 }, (_, i) => i % 2),
    );
    const r = run('import', images, '--labels', labels, '--name', 'tiny', '--test-fraction', '0.25', '--db', db, '--json');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'tiny', height: 8, width: 8, trainCount: 30, testCount: 10, classes: 2 });

    const list = JSON.parse(run('datasets', '--db', db, '--json').stdout) as { name: string; kind: string }[];
    expect(list.map((d) => d.name)).toEqual(expect.arrayContaining(['mnist', 'fashion-mnist', 'shapes', 'tiny']));
    expect(run('datasets', '--db', db).stdout).toMatch(/tiny\s+imported\s+8x8x1\s+30\s+10\s+2/);

    // A config naming the set trains on it; one asking for more than it has is refused, naming the field.
    const config = mnistConfig({ epochs: 1 });
    config.dataset = { name: 'tiny' };
    config.training.batchSize = 8;
    const file = join(tmp.dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(config));
    const trained = run('train', file, '--db', db);
    expect(trained.code).toBe(0);
    writeFileSync(file, JSON.stringify({ ...config, dataset: { name: 'tiny', trainSubset: 31 } }));
    const refused = run('train', file, '--db', db);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('dataset.trainSubset: tiny has 30 training images');
  });

  it('refuses a bad file naming it, exits 2 and stores nothing', () => {
    const bad = join(tmp.dir, 'broken.npy');
    writeFileSync(bad, Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x46]));
    const r = run('import', bad, '--db', db);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broken.npy: truncated .npy header');
    const list = JSON.parse(run('datasets', '--db', db, '--json').stdout) as { name: string }[];
    expect(list.map((d) => d.name)).not.toContain('broken');
  });

  it('generates a seeded Shapes set', () => {
    const r = run('generate', 'shapes', '--seed', '4', '--count', '50', '--db', db, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'shapes-s4-n50', trainCount: 45, testCount: 5, classes: 3 }]);
  });

  it('extends a run that early stopping ended from the epoch it stopped after, to the total given', () => {
    // No epoch improves the MSE by 1 on the first: patience 1 ends the run after epoch 2 of 6.
    const rule = '{"metric":"loss","mode":"min","patience":1,"minDelta":1}';
    const sets = ['--set', 'dataset.trainSubset=600', '--set', 'training.epochs=6', '--set', `training.earlyStopping=${rule}`];
    const trained = run('train', 'deep-ae-mnist', '--db', db, ...sets, '--set', 'backend="wasm"');
    expect(trained.code, trained.stderr).toBe(0);
    const { runId } = JSON.parse(trained.stdout.trim().split('\n').at(-1) ?? '{}') as { runId: number };
    expect(run('resume', String(runId), '--db', db, '--set', 'training.epochs=1').stderr).toMatch(
      /--set training\.epochs=1: run \d+ already trained 2 epochs/,
    );
    // Another field is another run: the refusal names it.
    expect(
      run('resume', String(runId), '--db', db, '--set', 'training.epochs=8', '--set', 'training.batchSize=8').stderr,
    ).toMatch(/--set training\.batchSize: only training\.epochs can change when a run continues/);
    expect(run('resume', String(runId), '--db', db, '--set', 'training.epochs=2').stderr).toMatch(
      /was ended by early stopping after epoch 2 of 6: to train it for more, give the new total, e\.g\. --set training\.epochs=7/,
    );
    // Without a total, nothing trains: not the four epochs to its configured six.
    const plain = run('resume', String(runId), '--db', db);
    expect([plain.code, plain.stderr]).toEqual([2, expect.stringMatching(/was ended by early stopping after epoch 2 of 6/)]);
    // Four epochs fewer than it was configured for, and more than it trained: epochs 3 and 4.
    const longer = run('resume', String(runId), '--db', db, '--set', 'training.epochs=4');
    expect(longer.code, longer.stderr).toBe(0);
    expect(longer.stderr).toMatch(/continuing from epoch 2 of 4/);
  });

  it('prints a preset whole, trains it with --set overrides saying what it trains on, resumes it longer, and exports it', () => {
    const preset = run('presets', 'deep-ae-mnist', '--json');
    expect(preset.code).toBe(0);
    expect(JSON.parse(preset.stdout)).toMatchObject({
      family: 'autoencoder',
      dataset: { name: 'mnist' },
      training: { epochs: 5 },
    });
    expect(run('presets', 'no-such-preset').code).toBe(2);

    const sets = ['--set', 'dataset.trainSubset=1000', '--set', 'training.epochs=1', '--set', 'model.latentSize=8'];
    const trained = run('train', 'deep-ae-mnist', '--db', db, ...sets, '--set', 'backend="wasm"');
    expect(trained.code).toBe(0);
    expect(trained.stderr).toMatch(
      /training autoencoder on mnist: 1000 train \/ 1000 test images .*1 epoch, batch 64, backend wasm/,
    );
    const first = JSON.parse(trained.stdout.trim().split('\n').at(-1) ?? '{}') as { runId: number; status: string };
    expect(first.status).toBe('completed');

    const typo = run('train', 'deep-ae-mnist', '--db', db, '--set', 'model.betta=3');
    expect([typo.code, typo.stderr]).toEqual([2, expect.stringMatching(/model.*betta/)]);
    expect(run('train', 'deep-ae-mnist', '--db', db, '--set', 'model..beta=3').stderr).toMatch(
      /--set model\.\.beta: not a config path/,
    );
    expect(run('train', 'deep-ae-mnist', '--db', db, '--set', 'training.epochs=0').stderr).toMatch(/training\.epochs/);

    const longer = run('resume', String(first.runId), '--db', db, '--set', 'training.epochs=2');
    expect(longer.code).toBe(0);
    expect(longer.stderr).toMatch(/continuing from epoch 1 of 2/);
    const resumed = JSON.parse(longer.stdout.trim().split('\n').at(-1) ?? '{}') as { runId: number; status: string };
    expect(resumed).toMatchObject({ runId: first.runId, status: 'completed' });
    const runs = JSON.parse(run('runs', '--db', db, '--json').stdout) as { id: number; epochs: number }[];
    expect(runs.find((r) => r.id === first.runId)?.epochs).toBe(2);
    expect(run('resume', String(first.runId), '--db', db, '--set', 'model.latentSize=3').stderr).toMatch(
      /only training\.epochs can change/,
    );
    expect(run('resume', '99999', '--db', db).code).toBe(2);
    // Checked here as a host checks it: no fraction reaches the database, no text passes for the old length.
    for (const epochs of ['3.5', 'abc']) {
      const bad = run('resume', String(first.runId), '--db', db, '--set', `training.epochs=${epochs}`);
      expect([bad.code, bad.stderr]).toEqual([
        2,
        `latent-studio: --set training.epochs=${epochs}: expected a whole number of epochs\n`,
      ]);
    }

    const out = join(tmp.dir, 'exported');
    const exported = run('export', String(first.runId), '--db', db, '--out', out, '--json');
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ outDir: out, epoch: 2 });
    expect(existsSync(join(out, 'encoder', 'model.json')) && existsSync(join(out, 'decoder', 'weights.bin'))).toBe(true);
  });
});
