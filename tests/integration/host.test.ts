import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../src/host/server';
import type { Studio } from '../../src/core/studio';
import { mnistConfig, openTestStudio, tempDir } from './helpers';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

let studio: Studio;
let host: Host;
let tmp: ReturnType<typeof tempDir>;
let base: string;

beforeAll(async () => {
  tmp = tempDir();
  studio = openTestStudio(join(tmp.dir, 'studio.db'));
  let rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    rendererDir = join(tmp.dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Latent Studio</title>');
  }
  host = await startHost({ studio, rendererDir });
  base = new URL(host.url).origin;
});
afterAll(async () => {
  await host.close();
  await studio.close();
  tmp.cleanup();
});

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('headless host', () => {
  it('binds to 127.0.0.1 by default', () => {
    expect((host.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('answers 401 without the token, with a wrong token, for pages, API and events', async () => {
    expect((await post('/api/runs.list', {})).status).toBe(401);
    expect((await post('/api/runs.list', {}, 'wrong-token')).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=nope`)).status).toBe(401);
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/events`);
      ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('error'));
    });
    expect(refused).toBe('401');
  });

  it('serves the studio and the API with the token', async () => {
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('Latent Studio');
    const res = await post('/api/runs.list', {}, host.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, value: [] });
  });

  it('refuses a bad config with 400 naming the field, and stores nothing', async () => {
    const config = { ...mnistConfig(), training: { ...mnistConfig().training, epochs: -1 } };
    const res = await post('/api/runs.start', { config }, host.token);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { ok: false; error: { message: string; issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path)).toEqual(['training.epochs']);
    const { training: _t, ...missing } = mnistConfig();
    const res2 = await post('/api/runs.start', { config: missing }, host.token);
    expect(((await res2.json()) as typeof body).error.message).toContain('training');
    expect(((await (await post('/api/runs.list', {}, host.token)).json()) as { value: unknown[] }).value).toEqual([]);
  });

  it('answers an unknown command with 404', async () => {
    expect((await post('/api/runs.explode', {}, host.token)).status).toBe(404);
  });

  it('streams events to an authorised socket', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/events?token=${host.token}`);
    await new Promise((r) => ws.once('open', r));
    const got = new Promise<string>((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString('utf8'))));
    studio.events.emit('run.warning', { runId: 1, message: 'hello' });
    expect(JSON.parse(await got)).toEqual({ name: 'run.warning', payload: { runId: 1, message: 'hello' } });
    ws.close();
  });
});
