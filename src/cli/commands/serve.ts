/**
 * `latent-studio serve`: a headless studio on this machine, the UI and the contract over HTTP for a browser or for
 * the other commands' `--remote`, until Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { packagePath } from '../../core/package-root';
import { defaultDbPath } from '../../core/paths';
import { startHost } from '../../host/server';
import { command, intFlag, openStudio, UsageError } from '../runner';

function openInChromium(url: string): void {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  if (!chromium || !(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'])) return;
  const child = spawn(chromium, [`--app=${url}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  child.unref();
}

export const serve = command({
  name: 'serve',
  flags: {
    db: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    open: { type: 'boolean', default: false },
    'allowed-host': { type: 'string', multiple: true },
    'max-concurrent': { type: 'string' },
  },
  localOnly: 'serve starts a studio on this machine; the other commands take --remote to drive one',
  async run({ values }) {
    const dbPath = values.db ?? defaultDbPath();
    // Refused before the database is opened (or made).
    const port = intFlag('port', values.port) ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port: expected a whole number from 0 (any free port) to 65535, got ${values.port}`);
    await lookup(values.host).catch((e: unknown) => {
      throw new UsageError(`--host ${values.host}: not an address of this machine (${(e as Error).message})`);
    });
    const studio = openStudio(dbPath, { maxConcurrent: values['max-concurrent'], serving: true });
    const host = await startHost({
      studio,
      rendererDir: packagePath('out', 'renderer'),
      host: values.host,
      port,
      allowedHosts: values['allowed-host'] ?? [],
    }).catch(async (e: unknown) => {
      await studio.close();
      // A port taken, an address not this machine's: the flag's fault, nothing served.
      const code = (e as { code?: unknown }).code;
      if (code === 'EADDRINUSE') throw new UsageError(`--port ${port}: in use by another program`);
      if (code === 'EADDRNOTAVAIL' || code === 'EACCES')
        throw new UsageError(`--host ${values.host} --port ${port}: cannot listen there (${(e as Error).message})`);
      throw e;
    });
    // Warm the backend probe so the first page load shows the backend at once.
    void studio.api['system.info']({});
    process.stdout.write(`Latent Studio (headless) is serving ${dbPath}\nOpen: ${host.url}\n`);
    if (values.host !== '127.0.0.1' && values.host !== 'localhost') {
      process.stdout.write(
        `warning: listening on ${values.host}; anyone who can reach it and has the token can use the studio\n`,
      );
    }
    if (values.open) openInChromium(host.url);
    await new Promise<void>((resolve) => {
      let first = 0;
      const stop = () => {
        if (first === 0) {
          first = Date.now();
          resolve();
          return;
        }
        // The same Ctrl-C passed on by a wrapper (npm start, a process manager) comes at once, or up to a second or
        // two later on a loaded machine (CI once saw it come over a second late): it must not cut the closing short.
        // One later still is the user's own: leave now.
        if (Date.now() - first > 3000) {
          process.stderr.write('latent-studio: stopped before the studio had closed\n');
          process.exit(130);
        }
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await host.close();
    await studio.close();
    return 0;
  },
});
