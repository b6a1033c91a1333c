import { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dispatch } from '../core/dispatch';
import { createStudio, type Studio } from '../core/studio';
import { loadFamilyModules } from '../families/family-modules';
import { defaultDbPath } from '../core/paths';
import { describeExit, workerEnv, type FromWorker, type WorkerHandle, type WorkerLauncher } from '../core/training/protocol';
import { forwardWorkerStderr } from '../core/training/worker-stderr';
import { resolveRemoteTarget, tokenEnvVar, type RemoteTarget } from '../shared/remote-target';
import { artifactIdOf, artifactScheme } from '../shared/artifact-url';
import {
  contentSecurityPolicy,
  isAppUrl,
  navigationAllowed,
  remoteNavigationAllowed,
  windowOpenHandler,
  windowOptions,
} from './security';

const appPages = {
  indexFile: join(__dirname, '../renderer/index.html'),
  devServerUrl: process.env['ELECTRON_RENDERER_URL'],
};

/** How long a utility process's exit waits for its last messages. */
const exitGraceMs = 250;

/** Training workers as Electron utility processes (Node without the UI process's risks). */
const utilityLauncher: WorkerLauncher = (options): WorkerHandle => {
  const child = utilityProcess.fork(join(__dirname, 'worker.js'), [], {
    env: workerEnv(options),
    serviceName: 'Latent Studio training',
    // stderr through the filter of Dawn's adapter-probe messages (worker-stderr.ts).
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  forwardWorkerStderr(child.stderr);
  // V8's fatal errors in the worker (a native addon's failed check, say) come as an event; unheard, it would throw
  // in this process. Said in the run's ending instead.
  let fatal: string | undefined;
  child.on('error', (type: string, location: string) => {
    fatal = `${type} at ${location}`;
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => {
      // A message to a worker that is exiting is lost, as the worker is: its exit reports the end.
      try {
        child.postMessage(m);
      } catch {
        /* the process is gone */
      }
    },
    onMessage: (fn) => child.on('message', (m: FromWorker) => fn(m)),
    // Electron does not promise that the worker's last messages (its `done`, a large answer) arrive before its exit
    // (the fork launcher waits for 'close' for the same reason): a moment's grace lets them in first.
    onExit: (fn) =>
      child.once('exit', (code) =>
        setTimeout(
          () => fn(fatal ? `${describeExit(code, null)} (${fatal})` : describeExit(code, null), code === 0 && !fatal),
          exitGraceMs,
        ),
      ),
    kill: () => void child.kill(),
  };
};

function dbPathFromArgs(): string {
  const { values } = parseArgs({
    args: process.argv.slice(1),
    options: { db: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  if (typeof values.db === 'string') return values.db;
  // The studio's own folder, which the CLI and the headless host use too (LATENT_STUDIO_HOME, else the OS's data
  // folder): on Linux Electron's userData is ~/.config, not ~/.local/share. A database an earlier version kept in
  // userData stays in use while the shared folder has none.
  const earlier = join(app.getPath('userData'), 'studio.db');
  return !existsSync(defaultDbPath()) && existsSync(earlier) ? earlier : defaultDbPath();
}

/**
 * `--remote URL [--token-file FILE]` (token from the file, LATENT_STUDIO_TOKEN or the URL): the window shows the
 * studio a headless host serves there, instead of opening a database here.
 */
function remoteFromArgs(): RemoteTarget | undefined {
  const { values } = parseArgs({
    args: process.argv.slice(1),
    options: { remote: { type: 'string' }, 'token-file': { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  if (typeof values.remote !== 'string') return undefined;
  const tokenFile = values['token-file'];
  const fromFile = typeof tokenFile === 'string' ? readFileSync(tokenFile, 'utf8') : undefined;
  const target = resolveRemoteTarget(values.remote, { fromFile, fromEnv: process.env[tokenEnvVar] });
  if (target.warning) console.warn(`warning: ${target.warning}`);
  return target;
}

/**
 * A remote studio in the window, through the same renderer: the host's own page, opened on its launch URL
 * (the host turns `?token=` into an HttpOnly cookie and redirects), with no preload: the page finds no IPC
 * bridge and talks to its host over HTTP and its WebSocket, as in a browser.
 */
async function openRemoteWindow(target: RemoteTarget): Promise<void> {
  // The token first: refused, the window would only show the host's JSON refusal.
  let status: number;
  try {
    const res = await fetch(`${target.base}/api/scheduler.get`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    status = res.status;
  } catch (e) {
    const cause = e instanceof Error ? (e.cause as { code?: string } | undefined)?.code : undefined;
    throw new Error(
      `Cannot reach the studio at ${target.base} (${cause ?? String(e)}). Is latent-studio serve running there, and the SSH tunnel open?`,
    );
  }
  if (status === 401) throw new Error(`The studio at ${target.base} refused the token: use the one it printed at launch.`);
  if (status === 403)
    throw new Error(
      `The studio at ${target.base} refused this address (HTTP 403). Reached through a tunnel on another port, it ` +
        `needs latent-studio serve --allowed-host ${new URL(target.base).host} (or the same port at both ends).`,
    );
  if (status !== 200) throw new Error(`The studio at ${target.base} answered HTTP ${status}.`);
  const win = new BrowserWindow(windowOptions(undefined));
  win.webContents.setWindowOpenHandler(windowOpenHandler);
  win.webContents.on('will-navigate', (event, url) => {
    if (!remoteNavigationAllowed(url, target.base)) event.preventDefault();
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(`${target.base}/?token=${encodeURIComponent(target.token)}`);
}

function createWindow(studio: Studio): void {
  const win = new BrowserWindow(windowOptions(join(__dirname, '../preload/index.cjs')));
  win.webContents.setWindowOpenHandler(windowOpenHandler);
  win.webContents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url, appPages)) event.preventDefault();
  });
  const off = studio.events.on((event) => {
    if (!win.isDestroyed()) win.webContents.send('studio:event', event);
  });
  win.on('closed', off);
  win.once('ready-to-show', () => win.show());
  if (appPages.devServerUrl) void win.loadURL(appPages.devServerUrl);
  else void win.loadFile(appPages.indexFile);
}

// Artifacts' bytes travel beside the IPC contract, by URL (latent-artifact://artifacts/<id>); registered before ready.
protocol.registerSchemesAsPrivileged([
  // corsEnabled: the page (a file://, an opaque origin) fetches a chart's JSON from it, which is cross-origin.
  { scheme: artifactScheme, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
]);

/** Serves a stored artifact's bytes with its type; any other URL of the scheme is not found. */
function serveArtifacts(studio: Studio): void {
  protocol.handle(artifactScheme, (request) => {
    const id = artifactIdOf(request.url);
    const artifact = id === null ? undefined : studio.artifact(id);
    if (!artifact) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(artifact.data), {
      headers: {
        'content-type': artifact.mime,
        'cache-control': 'private, max-age=31536000, immutable',
        // Only this app's pages can reach the scheme: it exists in this process's session alone.
        'access-control-allow-origin': '*',
      },
    });
  });
}

async function main(): Promise<void> {
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  let remote: RemoteTarget | undefined;
  try {
    remote = remoteFromArgs();
    if (remote) await openRemoteWindow(remote);
  } catch (e) {
    dialog.showErrorBox('Latent Studio', e instanceof Error ? e.message : String(e));
    app.quit();
    return;
  }
  if (remote) {
    // No studio here: the window is the host's.
    app.on('window-all-closed', () => app.quit());
    return;
  }
  let studio: Studio;
  try {
    // Families from outside src/families (LATENT_STUDIO_FAMILY_MODULES), before any config is read.
    await loadFamilyModules();
    studio = createStudio({
      dbPath: dbPathFromArgs(),
      launcher: utilityLauncher,
      transport: 'electron',
      nativeBinding: process.env['LATENT_STUDIO_SQLITE_BINDING'],
    });
  } catch (e) {
    // No window yet: without this the app would be a process with nothing on screen that never ends.
    dialog.showErrorBox('Latent Studio could not open its studio', e instanceof Error ? e.message : String(e));
    app.exit(1);
    return;
  }
  serveArtifacts(studio);
  ipcMain.handle('studio:invoke', async (event, name: unknown, input: unknown) => {
    // Only our own page may call the core.
    if (!event.senderFrame || !isAppUrl(event.senderFrame.url, appPages)) {
      return { ok: false, error: { code: 'bad_request', message: 'sender is not the studio window' } };
    }
    return dispatch(studio.api, String(name), input);
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  void studio.api['system.info']({}); // warm the backend probe
  createWindow(studio);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(studio);
  });
  // However the app quits (the last window closed, Cmd+Q, a menu's Quit, app.quit()), the studio closes first:
  // its workers stop, their runs are marked as stopped by the studio, buffered metrics are written and the
  // database is closed.
  let closed = false;
  let closing: Promise<void> | undefined;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closing ??= studio
      .close()
      .catch((e: unknown) => console.error(`closing the studio: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
  app.on('window-all-closed', () => app.quit());
  // Stopped from a terminal (Ctrl-C, kill): the same way out. `on`, not `once`: a second signal (Ctrl-C reaches
  // start.mjs and this process alike, and start.mjs passes it on) must not kill the app while its studio closes;
  // `closing` makes repeats harmless.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}

void main();
