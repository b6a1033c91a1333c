import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import type { Studio } from '../../src/core/studio';
import { cliPath as cli, openTestStudio, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let studio: Studio;

beforeAll(() => {
  tmp = tempDir();
  dbPath = join(tmp.dir, 'studio.db');
  studio = openTestStudio(dbPath);
});
afterAll(async () => {
  await studio.close();
  tmp.cleanup();
});

function runCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A tiny model of `family` on 500 MNIST images, one epoch. */
function tiny(family: 'vae' | 'cvae' | 'autoencoder'): RunConfig {
  const c = defaultRunConfig(family);
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: 500, testSubset: 100 };
  c.training = { ...c.training, epochs: 1, batchSize: 50, seed: 2 };
  if (c.family === 'vae' || c.family === 'cvae') {
    c.model = {
      ...c.model,
      encoder: [{ type: 'dense', units: 64, activation: 'relu' }],
      decoder: [{ type: 'dense', units: 64, activation: 'relu' }],
      latentSize: 4,
    };
  }
  return c;
}

describe('latent-studio sample', () => {
  it('writes N PNG samples of a VAE, the same bytes for a seed and others for another; per class for a CVAE', async () => {
    const start = performance.now();
    const vae = (await studio.api['runs.start']({ config: tiny('vae') })).runId;
    const cvae = (await studio.api['runs.start']({ config: tiny('cvae') })).runId;
    // A family without a generative prior is refused at once, naming the run and its family.
    const ae = (await studio.api['runs.start']({ config: tiny('autoencoder') })).runId;
    await expect(studio.api['runs.sample']({ runId: ae, n: 3 })).rejects.toThrow(
      new RegExp(`^runId: run ${ae} is a model of family autoencoder, which has no generative prior`),
    );
    await expect(studio.api['runs.sample']({ runId: vae, n: 2, temperature: 0.5 })).rejects.toThrow(
      new RegExp(`^temperature: run ${vae} is a model of family vae: a temperature applies to a learned prior`),
    );
    await studio.api['runs.cancel']({ runId: ae });
    await Promise.all([studio.orchestrator.whenEnded(vae), studio.orchestrator.whenEnded(cvae)]);
    const trained = performance.now();

    // Through the CLI with one seed, and through the contract (each in its own worker, all at once) with the same seed,
    // another seed, and for the CVAE: n per class, class by class (sample i of each class shares its z), or one class.
    const out = join(tmp.dir, 'samples');
    const [r, same, other, all, three] = await Promise.all([
      runCli('sample', String(vae), '--n', '6', '--out', out, '--seed', '7', '--db', dbPath, '--json'),
      studio.api['runs.sample']({ runId: vae, n: 6, seed: 7 }),
      studio.api['runs.sample']({ runId: vae, n: 6, seed: 8 }),
      studio.api['runs.sample']({ runId: cvae, n: 2, seed: 1 }),
      studio.api['runs.sample']({ runId: cvae, n: 2, seed: 1, class: 3 }),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as { source: string; seed: number; files: string[] };
    expect(line).toMatchObject({ runId: vae, family: 'vae', source: 'gaussian', seed: 7 });
    const names = [
      'sample-0000.png',
      'sample-0001.png',
      'sample-0002.png',
      'sample-0003.png',
      'sample-0004.png',
      'sample-0005.png',
    ];
    expect(readdirSync(out).sort()).toEqual(names);
    expect(line.files).toEqual(names.map((f) => join(out, f)));
    const meta = await sharp(join(out, 'sample-0000.png')).metadata();
    // MNIST's samples are grayscale PNGs, as the images are.
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 28, 28, 1]);
    const written = names.map((f) => readFileSync(join(out, f)).toString('base64'));
    // Two runs with one seed: the same bytes; another seed: others. Six different images, not one written six times.
    expect(same.samples.map((x) => x.png)).toEqual(written);
    expect(other.samples.map((x) => x.png).some((png, i) => png !== written[i])).toBe(true);
    expect(new Set(written).size).toBe(6);
    // Again into the same folder: only with --overwrite, and a smaller set leaves none of the larger one's samples.
    const again = await runCli('sample', String(vae), '--n', '3', '--out', out, '--seed', '7', '--db', dbPath, '--overwrite');
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(names.slice(0, 3));
    expect(names.slice(0, 3).map((f) => readFileSync(join(out, f)).toString('base64'))).toEqual(written.slice(0, 3));
    // The CLI's line names the class asked for, not each class.
    const oneClass = await runCli(
      'sample',
      String(cvae),
      '--n',
      '2',
      '--class',
      '3',
      '--out',
      join(out, 'three'),
      '--db',
      dbPath,
    );
    expect(oneClass.code, oneClass.stderr).toBe(0);
    expect(oneClass.stdout).toContain('from z ~ N(0, I) with class 3,');
    expect(all.source).toBe('conditional');
    expect(all.samples.map((x) => x.label)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    expect(three.samples.map((x) => x.png)).toEqual(all.samples.slice(6, 8).map((x) => x.png));
    // A CVAE on two chosen classes, listed out of order: its one-hot numbers them 8 → 0, 3 → 1, its samples are
    // labelled with the data set's values.
    const pair = tiny('cvae');
    pair.dataset = { ...pair.dataset, classes: [8, 3] };
    const chosen = (await studio.api['runs.start']({ config: pair })).runId;
    await studio.orchestrator.whenEnded(chosen);
    const [both, eight, threeOnly] = await Promise.all([
      studio.api['runs.sample']({ runId: chosen, n: 2, seed: 1 }),
      studio.api['runs.sample']({ runId: chosen, n: 2, seed: 1, class: 8 }),
      studio.api['runs.sample']({ runId: chosen, n: 2, seed: 1, class: 3 }),
    ]);
    expect(both.samples.map((x) => x.label)).toEqual([3, 3, 8, 8]);
    expect(both.samples.map((x) => x.png)).toEqual([...threeOnly.samples, ...eight.samples].map((x) => x.png));
    expect(eight.samples.map((x) => x.png)).not.toEqual(threeOnly.samples.map((x) => x.png));
    await expect(studio.api['runs.sample']({ runId: chosen, n: 2, class: 0 })).rejects.toThrow(
      /^class: run \d+ was trained on classes 3, 8; there is no class 0/,
    );
    // A CVAE on a pair of sets: its classes are the two identities, A = 0 and B = 1 (not the first set's labels).
    const twoSets = tiny('cvae');
    twoSets.dataset = { ...twoSets.dataset, second: 'mnist' };
    const paired = (await studio.api['runs.start']({ config: twoSets })).runId;
    await studio.orchestrator.whenEnded(paired);
    const [ab, bOnly] = await Promise.all([
      studio.api['runs.sample']({ runId: paired, n: 2, seed: 1 }),
      studio.api['runs.sample']({ runId: paired, n: 2, seed: 1, class: 1 }),
    ]);
    expect(ab.samples.map((x) => x.label)).toEqual([0, 0, 1, 1]);
    expect(bOnly.samples.map((x) => x.png)).toEqual(ab.samples.slice(2).map((x) => x.png));
    await expect(studio.api['runs.sample']({ runId: paired, n: 2, class: 2 })).rejects.toThrow(
      /^class: run \d+ was trained on classes 0, 1; there is no class 2/,
    );
    await expect(studio.api['runs.sample']({ runId: cvae, n: 2, class: 12 })).rejects.toThrow(
      /^class: run \d+ was trained on classes 0, 1/,
    );
    await expect(studio.api['runs.sample']({ runId: vae, n: 2, class: 3 })).rejects.toThrow(
      /^class: run \d+ is a model of family vae/,
    );
    // A learned prior is the VQ-VAE's: refused for a VAE, naming runId.
    await expect(studio.api['prior.start']({ runId: vae })).rejects.toThrow(
      new RegExp(`^runId: run ${vae} is a model of family vae`),
    );
    await expect(studio.api['prior.get']({ runId: vae })).rejects.toThrow(/^runId: /);
    console.log(
      `sample test: trained the VAE and CVAE in ${((trained - start) / 1000).toFixed(1)} s, sampled in ` +
        `${((performance.now() - trained) / 1000).toFixed(1)} s`,
    );
  }, 120_000);

  it("names an AAE's own mixture prior as where its samples come from, and a Gaussian one's as N(0, I)", async () => {
    const aae = (prior: 'gaussian' | 'mixture') => {
      const c = defaultRunConfig('aae');
      c.backend = 'wasm';
      c.dataset = { name: 'mnist', trainSubset: 500, testSubset: 100 };
      c.training = { ...c.training, epochs: 1, batchSize: 50, seed: 2 };
      if (c.family !== 'aae') throw new Error('unreachable');
      c.model = {
        ...c.model,
        encoder: [{ type: 'dense', units: 32, activation: 'relu' }],
        decoder: [{ type: 'dense', units: 32, activation: 'relu' }],
        latentSize: 2,
        prior,
      };
      return c;
    };
    const [gaussian, mixture] = await Promise.all(
      (['gaussian', 'mixture'] as const).map(async (p) => (await studio.api['runs.start']({ config: aae(p) })).runId),
    );
    await Promise.all([studio.orchestrator.whenEnded(gaussian!), studio.orchestrator.whenEnded(mixture!)]);
    const [g, m] = await Promise.all([
      studio.api['runs.sample']({ runId: gaussian!, n: 2, seed: 1 }),
      studio.api['runs.sample']({ runId: mixture!, n: 2, seed: 1 }),
    ]);
    expect([g.source, m.source]).toEqual(['gaussian', 'mixture']);
  }, 120_000);
});
