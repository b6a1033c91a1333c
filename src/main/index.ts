import { app, BrowserWindow, ipcMain, session, utilityProcess } from 'electron';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dispatch } from '../core/dispatch';
import { createStudio, type Studio } from '../core/studio';
import { loadFamilyModules } from '../families/family-modules';
import { describeExit, workerEnv, type FromWorker, type WorkerHandle, type WorkerLauncher } from '../core/training/protocol';
import { contentSecurityPolicy, isAppUrl, navigationAllowed, windowOpenHandler, windowOptions } from './security';

const devServerUrl = process.env['ELECTRON_RENDERER_URL'];

/** Training workers as Electron utility processes (Node without the UI process's risks). */
const utilityLauncher: WorkerLauncher = (options): WorkerHandle => {
  const child = utilityProcess.fork(join(__dirname, 'worker.js'), [], {
    env: workerEnv(options),
    serviceName: 'Latent Studio training',
    stdio: 'inherit',
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => child.postMessage(m),
    onMessage: (fn) => child.on('message', (m: FromWorker) => fn(m)),
    onExit: (fn) => child.once('exit', (code) => fn(describeExit(code, null), code === 0)),
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
  return typeof values.db === 'string' ? values.db : join(app.getPath('userData'), 'studio.db');
}

function createWindow(studio: Studio): void {
  const win = new BrowserWindow(windowOptions(join(__dirname, '../preload/index.cjs')));
  win.webContents.setWindowOpenHandler(windowOpenHandler);
  win.webContents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url, devServerUrl)) event.preventDefault();
  });
  const off = studio.events.on((event) => {
    if (!win.isDestroyed()) win.webContents.send('studio:event', event);
  });
  win.on('closed', off);
  win.once('ready-to-show', () => win.show());
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
}

async function main(): Promise<void> {
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  // Families from outside src/families (LATENT_STUDIO_FAMILY_MODULES), before any config is read.
  await loadFamilyModules();
  const studio = createStudio({
    dbPath: dbPathFromArgs(),
    launcher: utilityLauncher,
    transport: 'electron',
    nativeBinding: process.env['LATENT_STUDIO_SQLITE_BINDING'],
  });
  ipcMain.handle('studio:invoke', async (event, name: unknown, input: unknown) => {
    // Only our own page may call the core.
    if (!event.senderFrame || !isAppUrl(event.senderFrame.url, devServerUrl)) {
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
  app.on('window-all-closed', () => {
    void studio.close().finally(() => app.quit());
  });
}

void main();
