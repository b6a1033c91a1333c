import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch } from '../core/dispatch';
import { contentSecurityPolicy } from '../shared/content-security-policy';
import type { Studio } from '../core/studio';

export interface HostOptions {
  studio: Studio;
  /** The built renderer (electron-vite's out/renderer). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
  /** Other `name` or `name:port` this host may be addressed by (`Host` header), e.g. a tunnel's local port; loopback names are always allowed on loopback. */
  allowedHosts?: string[];
  /** How far a socket's reader may fall behind for 10 s (or 4 times as far at once) before it is closed (default 32 MiB; tests set less). */
  maxBufferedBytes?: number;
}

export interface Host {
  url: string;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

const maxBodyBytes = 1 << 20;
const defaultMaxBufferedBytes = 32 << 20;
/** A refused oversized body is read and dropped up to this much, so the client sees the 413 instead of a reset. */
const maxDiscardBytes = 64 << 20;

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The URL of a request, or null when it cannot be parsed (e.g. `//` then a bad host part). */
function parseRequestUrl(raw: string | undefined): URL | null {
  const path = raw ?? '/';
  // Only origin-form targets; a path starting with `//` would be read as a host by the URL parser.
  if (!path.startsWith('/')) return null;
  try {
    return new URL(`http://studio${path.replace(/^\/+/, '/')}`);
  } catch {
    return null;
  }
}

/** Bearer header or the per-port cookie; the query string is only ever used to set the cookie. */
function headerToken(req: IncomingMessage, cookieName: string): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim();
  }
  return null;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

const refusal = (code: string, message: string) => ({ ok: false, error: { code, message } });

class BodyTooLarge extends Error {}

/**
 * Reads a JSON body up to the limit. An oversized one is read to its end and dropped (up to `maxDiscardBytes`)
 * before it is refused, so that a client which writes its whole body before reading sees the 413, not a reset.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxDiscardBytes) return reject(new BodyTooLarge());
    let size = 0;
    let tooLarge = declared > maxBodyBytes;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (!tooLarge && size > maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(c);
      else if (size > maxDiscardBytes) reject(new BodyTooLarge());
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolvePromise(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** `host:port` of an `Origin` header, or null for `null` and unparsable ones. */
function parseRequestOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? hostKey(u.hostname, Number(u.port || 80)) : null;
  } catch {
    return null;
  }
}

const statusOf = { bad_request: 400, not_found: 404, conflict: 409, internal: 500 } as const;

/** `host:port` as a browser sends it in `Host`, lower-cased. */
function hostKey(name: string, port: number): string {
  const bare = name.toLowerCase();
  return `${bare.includes(':') && !bare.startsWith('[') ? `[${bare}]` : bare}:${port}`;
}

const loopbackNames = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The headless host: the same contract as the Electron IPC, over POST /api/<command> and a
 * WebSocket of events, plus the built renderer. Every request and socket needs the launch token,
 * a `Host` naming this server (DNS rebinding) and, when it has one, an `Origin` of this server.
 * No request, whatever its bytes, may end the process: every handler answers or closes its socket.
 */
export async function startHost(o: HostOptions): Promise<Host> {
  const token = o.token ?? randomBytes(24).toString('base64url');
  const root = resolve(o.rendererDir);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`the renderer is not built (${join(root, 'index.html')} is missing): run npm run build`);
  }
  let allowedHosts = new Set<string>();
  let cookieName = 'latent_studio_token';

  const hostAllowed = (req: IncomingMessage): boolean => allowedHosts.has((req.headers.host ?? '').toLowerCase());
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const parsed = parseRequestOrigin(origin);
    return parsed !== null && allowedHosts.has(parsed);
  };

  const serveStatic = (url: URL, res: ServerResponse) => {
    let rel: string;
    try {
      rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      send(res, 400, refusal('bad_request', 'the path is not a valid percent-encoded URL path'));
      return;
    }
    const file = normalize(join(root, rel));
    if (rel.includes('\0') || !file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': mimeTypes[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'content-security-policy': contentSecurityPolicy,
      'cache-control': 'no-cache',
    });
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  /**
   * An artifact's bytes as they are stored, with their type. An artifact never changes once written, so a browser
   * keeps it (immutable, revalidated by its ETag); it is served with no rights of a page of its own.
   */
  const serveArtifact = (id: number, req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, refusal('bad_request', 'use GET'));
      return;
    }
    const artifact = o.studio.artifact(id);
    if (!artifact) {
      send(res, 404, refusal('not_found', `artifact ${id} does not exist`));
      return;
    }
    const etag = `"artifact-${id}"`;
    const headers = {
      etag,
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': artifact.mime, 'content-length': String(artifact.data.byteLength) });
    res.end(req.method === 'HEAD' ? undefined : artifact.data);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req) || !originAllowed(req)) {
      send(res, 403, refusal('forbidden', 'this host only answers requests addressed to itself from its own pages'));
      return;
    }
    const url = parseRequestUrl(req.url);
    if (!url) {
      send(res, 400, refusal('bad_request', 'the request URL cannot be parsed'));
      return;
    }
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && (req.method === 'GET' || req.method === 'HEAD') && !url.pathname.startsWith('/api/')) {
      // The launch URL's token becomes an HttpOnly cookie, and the address bar (history, logs) loses it.
      if (!sameToken(fromQuery, token)) {
        send(res, 401, refusal('unauthorized', 'wrong token: open the URL the studio printed at launch'));
        return;
      }
      url.searchParams.delete('token');
      res.writeHead(303, {
        location: `${url.pathname}${url.search}`,
        'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end();
      return;
    }
    if (!sameToken(headerToken(req, cookieName), token)) {
      send(res, 401, refusal('unauthorized', 'missing or wrong token: open the URL the studio printed at launch'));
      return;
    }
    const artifact = /^\/artifacts\/(\d{1,15})$/.exec(url.pathname);
    if (artifact) {
      serveArtifact(Number(artifact[1]), req, res);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        send(res, 405, refusal('bad_request', 'use POST'));
        return;
      }
      const name = url.pathname.slice('/api/'.length);
      readBody(req)
        .then(async (text) => {
          let input: unknown;
          try {
            input = text ? JSON.parse(text) : {};
          } catch {
            send(res, 400, refusal('bad_request', 'request body is not valid JSON'));
            return;
          }
          const result = await dispatch(o.studio.api, name, input);
          send(res, result.ok ? 200 : statusOf[result.error.code], result);
        })
        .catch((e: unknown) => {
          if (e instanceof BodyTooLarge) {
            send(res, 413, refusal('bad_request', `request body over ${maxBodyBytes} bytes`), { connection: 'close' });
          } else send(res, 400, refusal('bad_request', e instanceof Error ? e.message : String(e)));
        });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, refusal('bad_request', 'method not allowed'));
      return;
    }
    serveStatic(url, res);
  };

  /** Set once close() starts: a page that keeps asking must not keep a closing host alive on its kept-alive link. */
  let closing = false;
  const server = createServer((req, res) => {
    if (closing) {
      send(res, 503, refusal('internal', 'the studio is closing'), { connection: 'close' });
      return;
    }
    try {
      handle(req, res);
    } catch (e) {
      console.error('host: a request handler failed:', e);
      send(res, 500, refusal('internal', 'the request could not be handled'));
    }
  });
  // Malformed HTTP (bad headers, bad request line) is answered by Node with 400 only when told to.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  /**
   * Sends on a socket unless its reader has fallen behind (see below): then it is closed (a page reconnects and
   * reads the state anew), so that a tab that stopped reading cannot grow the host's memory without end.
   */
  const overSince = new WeakMap<WebSocket, number>();
  const sendTo = (ws: WebSocket, text: string): void => {
    if (ws.readyState !== ws.OPEN) return;
    // Behind by more than the limit for 10 s, or by four times it: a large reply being read is let be, a reader that
    // stopped (or reads slower than the events come) is not followed without end.
    const queued = ws.bufferedAmount;
    const limit = o.maxBufferedBytes ?? defaultMaxBufferedBytes;
    if (queued <= limit) overSince.delete(ws);
    else if (!overSince.has(ws)) overSince.set(ws, Date.now());
    if (queued > 4 * limit || Date.now() - (overSince.get(ws) ?? Date.now()) > 10_000) {
      ws.terminate();
      return;
    }
    ws.send(text);
  };

  // What a page sends on its socket is a call, held to the size of a request body.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes });
  /**
   * A command sent on the event socket, `{"call": id, "name": command, "input": {...}}`, is dispatched as POST
   * /api/<name> is and answered on the socket as `{"reply": id, "envelope": ...}`: a round trip without a request,
   * for calls made many times a second (the explorer's sliders). The socket was authenticated when it opened.
   */
  const answerCall = async (ws: WebSocket, data: unknown, isBinary: boolean): Promise<void> => {
    let message: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = isBinary ? null : JSON.parse(String(data));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) message = parsed as Record<string, unknown>;
    } catch {
      message = null;
    }
    const id = typeof message?.['call'] === 'number' && Number.isSafeInteger(message['call']) ? message['call'] : null;
    const name = message?.['name'];
    const envelope =
      id === null || typeof name !== 'string'
        ? refusal('bad_request', 'a message on this socket is {"call": <integer id>, "name": <command>, "input": {...}}')
        : await dispatch(o.studio.api, name, message?.['input']);
    sendTo(ws, JSON.stringify({ reply: id, envelope }));
  };
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    try {
      const url = parseRequestUrl(req.url);
      if (!hostAllowed(req) || !originAllowed(req)) return refuse('403 Forbidden');
      if (!url) return refuse('400 Bad Request');
      if (url.pathname !== '/events' || !sameToken(headerToken(req, cookieName), token)) return refuse('401 Unauthorized');
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('error', () => ws.terminate());
        ws.on('close', () => sockets.delete(ws));
        ws.on('message', (data, isBinary) => {
          answerCall(ws, data, isBinary).catch((e: unknown) => console.error('host: a call on the socket failed:', e));
        });
      });
    } catch (e) {
      console.error('host: a WebSocket upgrade failed:', e);
      refuse('500 Internal Server Error');
    }
  });
  const unsubscribe = o.studio.events.on((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) sendTo(ws, text);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const hostName = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  cookieName = `latent_studio_token_${address.port}`;
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(o.host ?? '127.0.0.1');
  allowedHosts = new Set([
    ...[hostName, o.host ?? '127.0.0.1', ...(loopback ? loopbackNames : [])].map((h) => hostKey(h, address.port)),
    ...(o.allowedHosts ?? []).map((h) => (/:\d+$/.test(h) && !/^[^[]*:.*:/.test(h) ? h.toLowerCase() : hostKey(h, address.port))),
  ]);
  return {
    url: `http://${hostName}:${address.port}/?token=${token}`,
    token,
    server,
    async close() {
      closing = true;
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Kept-alive links with no request in flight end now; one in flight ends with its answer (`connection: close`).
      server.closeIdleConnections();
      await closed;
    },
  };
}
