// Runs the Electron app's main bundle under Node with the stand-in `electron` (electron.mjs), then calls the studio
// through its IPC handler as the preload's bridge would, and prints what happened as one JSON line:
//   node tests/e2e/electron-stub/main.mjs <main bundle> [--db <studio.db>]
// Then it quits the app as Electron would ('before-quit', then quit) and says whether the studio closed first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./hooks.mjs', import.meta.url);
const [bundle] = process.argv.slice(2);
await import(pathToFileURL(bundle).href);
const stub = globalThis.electronStub;
for (let i = 0; i < 200 && !stub.ipc.has('studio:invoke'); i++) await new Promise((r) => setTimeout(r, 50));
const invoke = stub.ipc.get('studio:invoke');
const fromApp = { senderFrame: { url: pathToFileURL(stub.loaded[0] ?? '/index.html').href } };
const fromElsewhere = { senderFrame: { url: 'https://example.com/' } };
const result = {
  privileged: stub.privileged.map((s) => s.scheme),
  protocols: [...stub.protocols.keys()],
  windows: stub.windows,
  loaded: stub.loaded,
  preset: invoke ? await invoke(fromApp, 'presets.get', { name: 'vae-784-400-20' }) : null,
  refused: invoke ? await invoke(fromElsewhere, 'runs.list', {}) : null,
};
const args = process.argv.slice(3);
const db = args.includes('--db') ? args[args.indexOf('--db') + 1] : join(process.env.LATENT_STUDIO_HOME ?? '', 'studio.db');
result.walWhileOpen = existsSync(`${db}-wal`);
stub.quit = false;
globalThis.electronStub.handlers.get('window-all-closed')?.forEach((fn) => fn());
const quitAtOnce = stub.quit;
for (let i = 0; i < 200 && !stub.quit; i++) await new Promise((r) => setTimeout(r, 50));
// Closed, better-sqlite3 checkpoints the write-ahead log into the database and removes it.
Object.assign(result, { quitAtOnce, quit: stub.quit, walAfterQuit: existsSync(`${db}-wal`) });
console.log(JSON.stringify(result));
process.exit(0);
