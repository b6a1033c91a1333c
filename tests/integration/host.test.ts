import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../src/host/server';
import type { Studio } from '../../src/core/studio';
import sharp from 'sharp';
import { insertArtifact } from '../../src/core/store/artifacts';
import { deleteRun, insertRun } from '../../src/core/store/runs';
import { mnistConfig, openTestStudio, tempDir } from './helpers';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

let studio: Studio;
let host: Host;
let tmp: ReturnType<typeof tempDir>;
let base: string;
let rendererDir: string;

beforeAll(async () => {
  tmp = tempDir();
  studio = openTestStudio(join(tmp.dir, 'studio.db'));
  rendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));
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

  it('turns the launch URL into a cookie and redirects to the URL without the token', async () => {
    const first = await fetch(host.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(page.status).toBe(200);
    // The token in a query string opens nothing by itself: API and events need the header or the cookie.
    expect((await fetch(`${base}/api/runs.list?token=${host.token}`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('serves the studio and the API with the token', async () => {
    const page = await fetch(`${base}/`, { headers: { authorization: `Bearer ${host.token}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('Latent Studio');
    const res = await post('/api/runs.list', {}, host.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, value: [] });
  });

  it('serves an artifact as bytes with the token, cacheable, and refuses it without', async () => {
    const runId = insertRun(studio.db, mnistConfig(), 'hash');
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const { id } = insertArtifact(studio.db, runId, {
      kind: 'reconstructions',
      epoch: 1,
      step: 10,
      caption: 'three by two',
      mime: 'image/png',
      width: 3,
      height: 2,
      data: png,
    });
    // The contract lists it with its size, and no bytes.
    const listed = await (await post('/api/artifacts.list', { runId }, host.token)).json();
    expect(listed).toEqual({ ok: true, value: [expect.objectContaining({ id, sizeBytes: png.byteLength })] });
    expect(JSON.stringify(listed)).not.toContain(png.toString('base64'));

    const url = `${base}/artifacts/${id}`;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain('PNG');
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);

    const served = await fetch(url, { headers: { authorization: `Bearer ${host.token}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-length')).toBe(String(png.byteLength));
    expect(served.headers.get('cache-control')).toMatch(/immutable/);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
    const etag = served.headers.get('etag') ?? '';
    const again = await fetch(url, { headers: { authorization: `Bearer ${host.token}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const cookie = `latent_studio_token_${new URL(host.url).port}=${host.token}`;
    expect((await fetch(url, { method: 'HEAD', headers: { cookie } })).headers.get('content-length')).toBe(
      String(png.byteLength),
    );
    expect((await fetch(`${base}/artifacts/999999`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(url, { method: 'POST', headers: { cookie } })).status).toBe(405);
    deleteRun(studio.db, runId);
    expect((await fetch(url, { headers: { cookie } })).status).toBe(404);
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
    const ws = new WebSocket(`${base.replace('http', 'ws')}/events`, { headers: { authorization: `Bearer ${host.token}` } });
    await new Promise((r) => ws.once('open', r));
    const got = new Promise<string>((resolve) => ws.once('message', (m: Buffer) => resolve(m.toString('utf8'))));
    studio.events.emit('run.warning', { runId: 1, message: 'hello' });
    expect(JSON.parse(await got)).toEqual({ name: 'run.warning', payload: { runId: 1, message: 'hello' } });
    ws.close();
  });

  it('answers unparsable URLs with 400, with or without the token, and keeps serving', async () => {
    const port = (host.server.address() as AddressInfo).port;
    const targets = ['//[bad', '//a:b@[::1', '/%E0%A4%A', '/%', '/assets/%zz.js', 'http://[x/', '*', '/\u0000'];
    for (const target of targets) {
      for (const auth of ['', `Authorization: Bearer ${host.token}\r\n`]) {
        const status = await rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${auth}\r\n`,
        );
        expect(status, `GET ${target} ${auth ? 'with' : 'without'} token`).toMatch(/^HTTP\/1\.1 4\d\d/);
        const upgrade = await rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth}Connection: Upgrade\r\nUpgrade: websocket\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        );
        expect(upgrade, `upgrade ${target}`).toMatch(/^HTTP\/1\.1 4\d\d/);
      }
    }
    expect((await post('/api/runs.list', {}, host.token)).status).toBe(200);
  });

  it('answers an oversized body with 413 before closing', async () => {
    const res = await fetch(`${base}/api/runs.list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(3 << 20) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('over');
    // A chunked body, whose size is only known as it arrives.
    const port = (host.server.address() as AddressInfo).port;
    const chunk = 'a'.repeat(1 << 16);
    let body = '';
    for (let i = 0; i < 20; i++) body += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    const status = await rawRequest(
      port,
      `POST /api/runs.list HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${host.token}\r\n` +
        `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}0\r\n\r\n`,
    );
    expect(status).toMatch(/^HTTP\/1\.1 413/);
  });

  it('answers 413 to a client that writes its whole oversized body before reading: no reset', async () => {
    const port = (host.server.address() as AddressInfo).port;
    const body = Buffer.alloc(8 << 20, 0x61);
    const head =
      `POST /api/runs.list HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${host.token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    const errors: string[] = [];
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    const closed = once(socket, 'close');
    // The whole body is written before anything is read.
    await new Promise<void>((resolve) => socket.write(Buffer.concat([Buffer.from(head), body]), () => resolve()));
    await closed;
    expect(errors).toEqual([]);
    expect(answer.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 413/);
  });

  it('refuses a foreign Host or Origin (DNS rebinding), for pages, API and events', async () => {
    const port = (host.server.address() as AddressInfo).port;
    const auth = `Authorization: Bearer ${host.token}\r\n`;
    const get = (headers: string) => rawRequest(port, `GET / HTTP/1.1\r\nConnection: close\r\n${headers}${auth}\r\n`);
    expect(await get(`Host: evil.example:${port}\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await get(`Host: 127.0.0.1:${port + 1}\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await get('')).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(await get(`Host: 127.0.0.1:${port}\r\nOrigin: http://evil.example\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    expect(await get(`Host: localhost:${port}\r\nOrigin: http://localhost:${port}\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    expect(await get(`Host: 127.0.0.1:${port}\r\n`)).toMatch(/^HTTP\/1\.1 200/);
    const api = await fetch(`${base}/api/runs.list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, origin: 'http://attacker.test' },
      body: '{}',
    });
    expect(api.status).toBe(403);
    const ws = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/events`, {
        headers: { authorization: `Bearer ${host.token}`, origin: 'http://attacker.test' },
      });
      socket.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      socket.on('open', () => resolve('open'));
      socket.on('error', () => resolve('error'));
    });
    expect(ws).toBe('403');
  });
});

/** Sends raw bytes (the request should say `Connection: close`) and resolves with the first line of the answer ('' when the socket closed without one). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(text.slice(0, 60))}`));
    }, 10_000);
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer.split('\r\n')[0] ?? '');
    });
    socket.write(text);
  });
}

describe('a host that closes', () => {
  it('ends though a page keeps asking on a kept-alive link, and answers what comes meanwhile with 503', async () => {
    const own = await startHost({ studio, rendererDir, token: 'closing-host-token-0123456789' });
    const origin = new URL(own.url).origin;
    // A page's polling: a request every 100 ms on one kept-alive connection (fetch keeps links alive).
    const statuses: number[] = [];
    let asking = true;
    const poller = (async () => {
      while (asking) {
        const status = await fetch(`${origin}/api/system.info`, {
          method: 'POST',
          headers: { authorization: 'Bearer closing-host-token-0123456789', 'content-type': 'application/json' },
          body: '{}',
        }).then(
          (r) => r.status,
          () => 0,
        );
        statuses.push(status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    // It closes while the page still asks (waiting for the link to go quiet, it would never end).
    await Promise.race([
      own.close(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('the host did not close while a page kept asking')), 10_000)),
    ]);
    asking = false;
    await poller;
    expect(statuses[0]).toBe(200);
    // Nothing after the close began was answered as if the studio were there.
    expect(statuses.slice(statuses.lastIndexOf(200) + 1).every((s) => s === 503 || s === 0)).toBe(true);
  });
});
