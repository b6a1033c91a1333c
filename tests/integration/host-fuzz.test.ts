import fc from 'fast-check';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../src/core/studio';
import type { FromWorker, WorkerLauncher } from '../../src/core/training/protocol';
import { startHost, type Host } from '../../src/host/server';
import { commands, type CommandName } from '../../src/shared/api';
import { tempDir } from './helpers';
import { arbitraryFor, mutated, type Overrides } from './schema-arbitrary';

/** Workers that fail at once: the fuzzer exercises the host and the core, not training. */
const failingLauncher: WorkerLauncher = () => {
  const listeners: ((m: FromWorker) => void)[] = [];
  const exits: ((d: string, clean: boolean) => void)[] = [];
  return {
    pid: undefined,
    send: (m) =>
      setImmediate(() => {
        const reply: FromWorker =
          m.type === 'probe' ? { type: 'probeFailed', error: 'no backend in the fuzzer' } : { type: 'failed', error: 'fuzzer' };
        for (const l of listeners) l(reply);
        for (const e of exits) e('exited', true);
      }),
    onMessage: (l) => listeners.push(l),
    onExit: (l) => exits.push(l),
    kill: () => undefined,
  };
};

let tmp: ReturnType<typeof tempDir>;
let studio: Studio;
let host: Host;
let port: number;
let imagesDir: string;

beforeAll(async () => {
  tmp = tempDir();
  studio = createStudio({ dbPath: join(tmp.dir, 'studio.db'), launcher: failingLauncher, transport: 'headless' });
  const renderer = join(tmp.dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Latent Studio</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'export {};');
  writeFileSync(join(tmp.dir, 'secret.txt'), 'outside the renderer');
  imagesDir = join(tmp.dir, 'images');
  for (const label of ['cat', 'dog']) {
    mkdirSync(join(imagesDir, label), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 40 * i, g: 90, b: 200 } } })
        .png()
        .toBuffer();
      writeFileSync(join(imagesDir, label, `${i}.png`), png);
    }
  }
  host = await startHost({ studio, rendererDir: renderer, token: 'fuzz-token-0123456789abcdef' });
  port = (host.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await host.close();
  await studio.close();
  tmp.cleanup();
});

/** What a refused request must leave as it was: every table's rows and the data set folders. */
function snapshot(): string {
  const counts = ['runs', 'experiments', 'metrics', 'artifacts', 'checkpoints'].map(
    (t) => (studio.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
  );
  let sets: string[] = [];
  try {
    sets = readdirSync(studio.datasets.store.root).filter((e) => !e.startsWith('.'));
  } catch {
    // No set stored yet.
  }
  return JSON.stringify([counts, sets.sort(), readdirSync(tmp.dir).sort()]);
}

/** Sends raw bytes; resolves with the status line, or '' if the socket closed without one. */
function raw(text: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in 10 s to ${JSON.stringify(text.toString('latin1').slice(0, 200))}`));
    }, 10_000);
    const done = () => {
      clearTimeout(timer);
      resolve(answer.split('\r\n')[0] ?? '');
    };
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      // An accepted WebSocket stays open: its status line is the answer.
      if (answer.startsWith('HTTP/1.1 101') && answer.includes('\r\n\r\n')) {
        socket.destroy();
        done();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(text);
  });
}

const token = 'fuzz-token-0123456789abcdef';
const names = Object.keys(commands) as CommandName[];

/** Per command, the fields that would otherwise make one valid request a long job (a million generated images, a walk of `/`). */
const bounded = (imports: string): Partial<Record<CommandName, Overrides>> => ({
  'datasets.generate': { count: fc.integer({ min: 10, max: 40 }) },
  'datasets.import': {
    path: fc.constantFrom(imports, join(imports, 'cat', '0.png'), '/nonexistent/x', join(imports, '..', 'secret.txt')),
    labelsPath: fc.constantFrom('/nonexistent/labels.npy', join(imports, 'cat', '1.png')),
  },
});

function requestArbitrary(): fc.Arbitrary<{ bytes: Buffer; command: string | null }> {
  const overrides = bounded(imagesDir);
  const body = (name: CommandName) => {
    const valid = arbitraryFor(commands[name].input, overrides[name]);
    return fc.oneof(
      { weight: 3, arbitrary: valid.map((v) => JSON.stringify(v)) },
      { weight: 3, arbitrary: mutated(valid).map((v) => JSON.stringify(v) ?? '') },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    );
  };
  const known = fc.constantFrom(...names).chain((name) => body(name).map((b) => ({ command: name as string, body: b })));
  const unknown = fc
    .tuple(fc.constantFrom('runs.explode', '', '../system.info', 'constructor', '__proto__', 'runs.start/..'), fc.string())
    .map(([command, b]) => ({ command, body: b }));
  const target = (command: string) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(`/api/${command}`) },
      {
        weight: 4,
        arbitrary: fc.oneof(
          fc.constantFrom('/', '/events', '/index.html', '/assets/app.js', '/../secret.txt', '/%2e%2e/secret.txt', '//[bad', '*'),
          fc.string({ maxLength: 30 }).map((s) => `/${s}`),
          fc.string({ maxLength: 30 }).map((s) => `//${s}`),
          fc.string({ maxLength: 12 }).map((s) => `/%${s}`),
          fc.string({ maxLength: 30 }).map((s) => `/api/${encodeURIComponent(s)}`),
          fc.webPath(),
          fc.constantFrom(`/?token=${token}`, '/?token=wrong', `/assets/app.js?token=${token}&x=1`),
        ),
      },
    );
  const hostile = fc.record({
    method: fc.constantFrom('POST', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'BREW'),
    auth: fc.constantFrom('bearer', 'bearer', 'cookie', 'wrong', 'none', 'query'),
    host: fc.constantFrom('ok', 'ok', 'localhost', 'foreign', 'missing'),
    origin: fc.constantFrom('none', 'none', 'same', 'foreign', 'null'),
    upgrade: fc.constantFrom(false, false, false, true),
    junkHeader: fc.option(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })), { nil: undefined, freq: 3 }),
    chunked: fc.boolean(),
  });
  // Half the cases are well-formed calls whose bodies come from (or are mutated from) the contract: they reach the core.
  const wellFormed = fc.constant({
    method: 'POST',
    auth: 'bearer',
    host: 'ok',
    origin: 'none',
    upgrade: false,
    junkHeader: undefined as [string, string] | undefined,
    chunked: false,
  });
  return fc
    .tuple(fc.oneof(known, unknown), fc.oneof(wellFormed, hostile))
    .chain(([call, envelope]) =>
      (envelope === undefined ||
      (envelope.auth === 'bearer' && envelope.method === 'POST' && envelope.host === 'ok' && !envelope.junkHeader)
        ? fc.constant(`/api/${call.command}`)
        : target(call.command)
      ).map((t) => ({ ...envelope, call, target: t })),
    )
    .map((r) => {
      const headers: string[] = [];
      if (r.host === 'ok') headers.push(`Host: 127.0.0.1:${port}`);
      if (r.host === 'localhost') headers.push(`Host: localhost:${port}`);
      if (r.host === 'foreign') headers.push(`Host: rebind.attacker.test:${port}`);
      if (r.auth === 'bearer') headers.push(`Authorization: Bearer ${token}`);
      if (r.auth === 'cookie') headers.push(`Cookie: latent_studio_token_${port}=${token}`);
      if (r.auth === 'wrong') headers.push('Authorization: Bearer not-the-token');
      const target = r.auth === 'query' ? `${r.target}${r.target.includes('?') ? '&' : '?'}token=${token}` : r.target;
      if (r.origin === 'same') headers.push(`Origin: http://127.0.0.1:${port}`);
      if (r.origin === 'foreign') headers.push('Origin: http://attacker.test');
      if (r.origin === 'null') headers.push('Origin: null');
      if (r.upgrade) {
        headers.push(
          'Connection: Upgrade',
          'Upgrade: websocket',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        );
      } else headers.push('Connection: close');
      if (r.junkHeader) headers.push(`${r.junkHeader[0]}: ${r.junkHeader[1]}`);
      const body = Buffer.from(r.call.body, 'utf8');
      let payload: Buffer;
      if (r.chunked) {
        headers.push('Transfer-Encoding: chunked');
        payload = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
      } else {
        headers.push(`Content-Length: ${body.length}`);
        payload = body;
      }
      const head = Buffer.from(`${r.method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'utf8');
      return { bytes: Buffer.concat([head, payload]), command: r.target === `/api/${r.call.command}` ? r.call.command : null };
    });
}

describe('the headless host under random and mutated requests', () => {
  it('answers every one with a status, never dies, and a refused request writes nothing', async () => {
    const statuses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(), async ({ bytes }) => {
        const before = snapshot();
        const line = await raw(bytes);
        expect(line, bytes.toString('latin1').slice(0, 300)).toMatch(/^HTTP\/1\.1 \d{3} /);
        const status = Number(line.slice(9, 12));
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        if (status >= 300 && status !== 101) expect(snapshot(), line).toBe(before);
      }),
      { numRuns: 2000, seed: 20261130, endOnFailure: true },
    );
    console.log(`host fuzz: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    // The fuzz reached the core (accepted calls) as well as every refusal.
    for (const s of ['200', '400', '401', '403', '404']) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(10);
    const alive = await fetch(`http://127.0.0.1:${port}/api/runs.list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(alive.status).toBe(200);
  });
});
