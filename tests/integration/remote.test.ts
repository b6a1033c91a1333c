import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../src/host/server';
import type { Studio } from '../../src/core/studio';
import { cliPath as cli, mnistConfig, openTestStudio, tempDir } from './helpers';

// The CLI with --remote against a headless host started here, on its own database: the CLI runs as a child
// process (spawned, not spawnSync: the host answers from this process's event loop).
const token = 'remote-test-token-0123456789abcdef';
let tmp: ReturnType<typeof tempDir>;
let studio: Studio;
let host: Host;
let base: string;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('LATENT_STUDIO_TOKEN' in env)) delete childEnv['LATENT_STUDIO_TOKEN'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const withToken = { LATENT_STUDIO_TOKEN: token };

beforeAll(async () => {
  tmp = tempDir();
  studio = openTestStudio(join(tmp.dir, 'host.db'));
  let rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    rendererDir = join(tmp.dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Latent Studio</title>');
  }
  host = await startHost({ studio, rendererDir, token });
  base = new URL(host.url).origin;
});
afterAll(async () => {
  await host?.close();
  await studio?.close();
  tmp?.cleanup();
});

describe('latent-studio --remote', () => {
  let runId = 0;

  it('trains a config on the host: the run is completed in the host database', async () => {
    const file = join(tmp.dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(mnistConfig({ trainSubset: 500, testSubset: 200, epochs: 1 })));
    const r = await run(['train', file, '--remote', base], withToken);
    expect(r.stderr).toMatch(/epoch 1\/1/);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { runId: number; status: string };
    expect(result.status).toBe('completed');
    runId = result.runId;
    const stored = await studio.api['runs.get']({ runId });
    expect(stored.status).toBe('completed');
    expect(stored.latest.some((m) => m.split === 'test' && m.name === 'mse')).toBe(true);
  });

  it('lists the run (--json, --csv) and evaluates it; --token-file and the URL serve printed work', async () => {
    const tokenFile = join(tmp.dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    const [list, csv, evaluation, fromUrl, queue, shown] = await Promise.all([
      run(['runs', '--json', '--remote', base], withToken),
      run(['runs', '--csv', '--remote', `${base}/`, '--token-file', tokenFile]),
      run(['evaluate', String(runId), '--what', 'clustering', '--json', '--remote', base], withToken),
      run(['runs', '--json', '--remote', host.url]),
      run(['jobs', '--json', '--remote', base], withToken),
      run(['show', String(runId), '--remote', base], withToken),
    ]);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: number; status: string }[]).map((x) => [x.id, x.status])).toEqual([
      [runId, 'completed'],
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/^id,name,status/);
    expect(csv.stdout).toMatch(new RegExp(`^${runId},.*,completed,`, 'm'));
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const figures = (JSON.parse(evaluation.stdout) as { status: string; figures: Record<string, number> }).figures;
    expect(figures['kmeans_acc']).toBeGreaterThan(0.1);
    expect((await studio.api['evaluations.list']({ runId })).map((e) => e.status)).toEqual(['completed']);
    // A token in the URL works, with a warning that it lands in shell history.
    expect(fromUrl.code, fromUrl.stderr).toBe(0);
    expect(fromUrl.stderr).toMatch(/token was taken from the URL/);
    // The host's queue: the evaluation asked for beside it, or nothing once it has ended.
    expect(queue.code, queue.stderr).toBe(0);
    for (const job of JSON.parse(queue.stdout) as { kind: string; runId: number; heldHere: boolean }[])
      expect(job).toMatchObject({ kind: 'evaluate', runId, heldHere: true });
    // The run as the host has it, its one start included.
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^run ${runId}: .* \\(completed\\)\n`));
    expect(shown.stdout).toMatch(/\n\s+1\s+First start\s+completed\s+epochs 0 → 1\s/);
  });

  it('refuses a wrong or missing token with exit code 2, and names an unreachable URL', async () => {
    const before = (await studio.api['runs.list']({})).length;
    // A port nothing listens on: one taken and released.
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const file = join(tmp.dir, 'tiny.json');
    const huge = join(tmp.dir, 'huge-token');
    writeFileSync(huge, Buffer.alloc(10 << 20, 0x61));
    const [wrong, missing, unreadable, onCommandLine, unreachable, tooLarge] = await Promise.all([
      run(['train', file, '--remote', base], { LATENT_STUDIO_TOKEN: 'not-the-token' }),
      run(['runs', '--remote', base]),
      run(['runs', '--remote', base, '--token-file', join(tmp.dir, 'no-such-file')], withToken),
      run(['runs', '--remote', base, '--token', token]),
      run(['runs', '--remote', `http://127.0.0.1:${port}`], withToken),
      run(['runs', '--remote', base, '--token-file', huge]),
    ]);
    // A 10 MiB file is no token: refused by name, not reported as an unreachable studio.
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toMatch(/--token-file .*huge-token: 10485760 bytes, not a token/);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/refused the token \(HTTP 401\)/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no token for the studio at http:\/\/127\.0\.0\.1:\d+: set LATENT_STUDIO_TOKEN/);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/--token-file .*no-such-file: cannot be read/);
    expect(onCommandLine.code).toBe(2);
    expect(onCommandLine.stderr).toMatch(/--token: a token on the command line lands in shell history/);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(
      new RegExp(`cannot reach the studio at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
    expect((await studio.api['runs.list']({})).length).toBe(before);
  });
});
