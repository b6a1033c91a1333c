import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('npm start', () => {
  it('on a machine without a display (over SSH), says so and serves the studio to a browser instead', async () => {
    const home = mkdtempSync(join(tmpdir(), 'latent-studio-npm-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LATENT_STUDIO_HOME: home };
    delete env['DISPLAY'];
    delete env['WAYLAND_DISPLAY'];
    // As `npm start -- --port 0` runs it (a port of its own: the default may be taken).
    // A process group of its own, as a terminal gives a command: Ctrl-C is sent to the whole group.
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--port', '0'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL in 120 s:\n${output}`)), 120_000);
        child.stdout.on('data', () => {
          const m = /Open: (http\S+)/.exec(output);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      });
      expect(output).toMatch(/headless host instead/);
      // The launch URL sets the token's cookie and redirects; with the cookie, the page is the studio's.
      const launch = await fetch(url, { redirect: 'manual' });
      const cookie = launch.headers.get('set-cookie')?.split(';')[0] ?? '';
      expect(cookie).toMatch(/=/);
      const page = await fetch(new URL('/', url), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Latent Studio</title>');
      // Stopped as a terminal stops it (SIGINT to the group): the host closes, and the script ends with it.
      process.kill(-child.pid!, 'SIGINT');
      // A clean close (0): the SIGINT the script passes on comes on top of the terminal's, and must not cut it short.
      const [code] = (await once(child, 'exit')) as [number | null, string | null];
      expect(code).toBe(0);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  });
});
