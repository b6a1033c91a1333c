import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { familyModulesVariable } from '../../families/family-modules';
import { forkLauncher, workerBundleVariable } from './fork-launcher';

const dir = mkdtempSync(join(tmpdir(), 'latent-studio-fork-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A built worker stand-in: closes its IPC channel at once, then lives on a while (a worker in its last moments). */
const script = join(dir, 'closing-worker.cjs');
writeFileSync(script, 'process.disconnect(); setTimeout(() => {}, 300);\n');

describe('forkLauncher', () => {
  it('a message to a worker whose channel has closed is dropped, and the studio lives on to see its exit', async () => {
    const handle = forkLauncher({ bundle: script })();
    const exited = new Promise<[string, boolean]>((resolve) => handle.onExit((d, clean) => resolve([d, clean])));
    await new Promise((r) => setTimeout(r, 150));
    // Node reports a send on a closed channel as an 'error' event on the next tick; unheard, it ends this process.
    handle.send({ type: 'close' });
    handle.send({ type: 'close' });
    const [, clean] = await exited;
    expect(clean).toBe(true);
    // A listener added after the end hears it too.
    const late = await new Promise<boolean>((resolve) => handle.onExit((_, c) => resolve(c)));
    expect(late).toBe(true);
  });
});

describe('the worker a launcher forks', () => {
  /** A worker stand-in that posts what it is and how Node started it, then leaves. */
  const reporter = join(dir, 'reporting-worker.cjs');
  writeFileSync(
    reporter,
    "process.send({ type: 'warning', message: JSON.stringify({ script: __filename, execArgv: process.execArgv }) }, () => process.exit(0));\n",
  );

  /** What the first worker a launcher forks under `env` says first (a stand-in's report, or a message type). */
  async function firstLine(env: Record<string, string | undefined>): Promise<string> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    set(env);
    try {
      const handle = forkLauncher()();
      return await new Promise<string>((resolve) => {
        handle.onMessage((m) => {
          resolve(m.type === 'warning' ? m.message : m.type);
        });
        // The TypeScript worker says nothing until asked: a probe of the cpu backend answers at once.
        handle.send({ type: 'probe', preference: 'cpu' });
        handle.onExit((d) => resolve(`exited: ${d}`));
      });
    } finally {
      set(saved);
    }
  }

  it('is the built one LATENT_STUDIO_WORKER_BUNDLE names, run by Node without tsx', async () => {
    const line = await firstLine({ [workerBundleVariable]: reporter, [familyModulesVariable]: undefined });
    expect(JSON.parse(line)).toEqual({ script: reporter, execArgv: [] });
  });

  it('is the TypeScript one when plug-in families are named (they register in the studio’s own modules)', async () => {
    const fixture = join(import.meta.dirname, '..', '..', '..', 'tests', 'integration', 'fixture-family', 'index.ts');
    const line = await firstLine({ [workerBundleVariable]: reporter, [familyModulesVariable]: fixture });
    expect(line).toBe('probed');
  }, 30_000);
});
