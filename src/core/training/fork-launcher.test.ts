import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forkLauncher } from './fork-launcher';

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
