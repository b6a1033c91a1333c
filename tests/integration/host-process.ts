import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { StudioEvent } from '../../src/shared/api';

const tsx = createRequire(import.meta.url).resolve('tsx');
const hostScript = join(import.meta.dirname, 'fixtures', 'host-process.ts');

export interface HostProcess {
  process: ChildProcess;
  call(name: string, input: unknown): Promise<unknown>;
  events(listener: (e: StudioEvent) => void): Promise<WebSocket>;
}

/** The studio as its own process (headless host and workers), as a user runs it, on `dbPath`. */
export async function startHostProcess(dbPath: string): Promise<HostProcess> {
  const child = spawn(process.execPath, ['--import', tsx, hostScript, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s: ${out}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open: (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(new URL(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${out}`)));
  });
  const headers = { authorization: `Bearer ${url.searchParams.get('token') ?? ''}` };
  return {
    process: child,
    async call(name, input) {
      const res = await fetch(`${url.origin}/api/${name}`, { method: 'POST', headers, body: JSON.stringify(input) });
      const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
      if (!body.ok) throw new Error(body.error?.message);
      return body.value;
    },
    async events(listener) {
      const ws = new WebSocket(`${url.origin.replace('http', 'ws')}/events`, { headers });
      ws.on('message', (m: Buffer) => listener(JSON.parse(m.toString('utf8')) as StudioEvent));
      ws.on('error', () => undefined);
      await once(ws, 'open');
      return ws;
    },
  };
}
