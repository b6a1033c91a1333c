/**
 * Calls on the headless host's event socket (what the explorer's sliders use): answered as POST /api/<name> answers,
 * matched by id, beside the events; a malformed message is refused on the socket, which stays open; an oversized
 * one closes it; and the socket still needs the token to open.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../src/host/server';
import type { Studio } from '../../src/core/studio';
import { openTestStudio, tempDir } from './helpers';

let studio: Studio;
let host: Host;
let tmp: ReturnType<typeof tempDir>;
let base: string;

beforeAll(async () => {
  tmp = tempDir();
  studio = openTestStudio(join(tmp.dir, 'studio.db'));
  // A page to serve is all the host asks of the renderer here.
  const rendererDir = join(tmp.dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Latent Studio</title>');
  host = await startHost({ studio, rendererDir });
  base = new URL(host.url).origin.replace('http', 'ws');
});
afterAll(async () => {
  await host.close();
  await studio.close();
  tmp.cleanup();
});

function open(token?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}/events`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
    ws.once('error', reject);
  });
}

/** The next message of the socket that is a reply. */
function nextReply(
  ws: WebSocket,
): Promise<{ reply: number | null; envelope: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse((data as Buffer).toString()) as { reply?: number | null };
      if (!('reply' in message)) return;
      ws.off('message', onMessage);
      resolve(message as never);
    };
    ws.on('message', onMessage);
  });
}

describe('calls on the event socket', () => {
  it('are answered like the HTTP API, by id', async () => {
    const ws = await open(host.token);
    const reply = nextReply(ws);
    ws.send(JSON.stringify({ call: 7, name: 'families.list', input: {} }));
    const { reply: id, envelope } = await reply;
    expect(id).toBe(7);
    expect(envelope.ok).toBe(true);
    expect((envelope.value as { id: string }[]).map((f) => f.id)).toContain('vae');
    // The contract's refusals travel the same way: an unknown command, a bad input naming its field.
    const unknown = nextReply(ws);
    ws.send(JSON.stringify({ call: 8, name: 'no.such.command', input: {} }));
    expect((await unknown).envelope.error?.code).toBe('not_found');
    const bad = nextReply(ws);
    ws.send(JSON.stringify({ call: 9, name: 'explorer.decode', input: { sessionId: 'x', z: [[1]] } }));
    expect(await bad).toMatchObject({ reply: 9, envelope: { ok: false, error: { code: 'bad_request' } } });
    expect((await bad).envelope.error?.message).toMatch(/sessionId/);
    ws.close();
  });

  it('refuses a malformed message on the socket and keeps it open; closes on an oversized one', async () => {
    const ws = await open(host.token);
    for (const junk of ['not json', '[1,2]', JSON.stringify({ call: 'x', name: 'runs.list' }), JSON.stringify({ call: 1.5 })]) {
      const reply = nextReply(ws);
      ws.send(junk);
      expect(await reply).toMatchObject({ reply: null, envelope: { ok: false, error: { code: 'bad_request' } } });
    }
    const still = nextReply(ws);
    ws.send(JSON.stringify({ call: 1, name: 'runs.list', input: {} }));
    expect((await still).envelope.ok).toBe(true);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat((1 << 20) + 1));
    expect(await closed).toBe(1009);
    // The host goes on.
    const again = await open(host.token);
    const reply = nextReply(again);
    again.send(JSON.stringify({ call: 2, name: 'runs.list', input: {} }));
    expect((await reply).envelope.ok).toBe(true);
    again.close();
  });

  it('opens only with the token', async () => {
    await expect(open()).rejects.toThrow('401');
    await expect(open('wrong')).rejects.toThrow('401');
  });

  it('closes a socket whose reader stopped reading, instead of holding what it has not read', async () => {
    const small = await startHost({ studio, rendererDir: join(tmp.dir, 'renderer'), maxBufferedBytes: 1 << 20 });
    try {
      const url = new URL(small.url);
      const ws = new WebSocket(`${url.origin.replace('http', 'ws')}/events`, {
        headers: { authorization: `Bearer ${small.token}` },
      });
      await new Promise((resolve) => ws.once('open', resolve));
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      let read = 0;
      ws.on('message', () => (read += 1));
      // The page's tab stops reading: its TCP socket is paused, what the host sends piles up on the host's side.
      (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      const message = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 1000; i++) studio.events.emit('run.warning', { runId: 1, message });
      (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const open = new Promise<string>((resolve) => setTimeout(() => resolve('still open after 20 s'), 20_000).unref());
      expect(await Promise.race([closed, open])).toBe(1006);
      // 64 MiB were sent: the host closed the socket after a few, without holding the rest.
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(500);
    } finally {
      await small.close();
    }
  });

  it('lets a reader be through one message larger than the limit and the events right after it', async () => {
    const medium = await startHost({ studio, rendererDir: join(tmp.dir, 'renderer'), maxBufferedBytes: 8 << 20 });
    try {
      const url = new URL(medium.url);
      const reader = new WebSocket(`${url.origin.replace('http', 'ws')}/events`, {
        headers: { authorization: `Bearer ${medium.token}` },
      });
      await new Promise((resolve) => reader.once('open', resolve));
      let got = 0;
      let shut = false;
      reader.on('message', () => (got += 1));
      reader.once('close', () => (shut = true));
      // A moment's pause (a busy page) with 20 MiB on its way: more than the limit waits on the host's side.
      const socket = (reader as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      studio.events.emit('run.warning', { runId: 1, message: 'y'.repeat(20 << 20) });
      for (let i = 0; i < 5; i++) studio.events.emit('run.warning', { runId: 1, message: 'small' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.resume();
      await expect.poll(() => got, { timeout: 15_000 }).toBe(6);
      expect(shut).toBe(false);
      reader.close();
    } finally {
      await medium.close();
    }
  });
});
