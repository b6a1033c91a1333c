// What `npm start` launches (scripts/start.mjs): the Electron app, or the headless host in a browser, and why.
// Kept apart from start.mjs so that it is tested (tests/integration/launch-plan.test.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * electron-vite's command-line script. Its package exports no `bin/…` path (require.resolve of it throws
 * ERR_PACKAGE_PATH_NOT_EXPORTED), so it is found through the package.json's `bin`, which is exported.
 */
export function electronViteBin(from = import.meta.url) {
  const pkg = createRequire(from).resolve('electron-vite/package.json');
  const { bin } = JSON.parse(readFileSync(pkg, 'utf8'));
  return join(dirname(pkg), typeof bin === 'string' ? bin : bin['electron-vite']);
}

/**
 * @param {{ serveOnly: boolean, remote: boolean, electronFound: boolean, platform: string, env: Record<string, string | undefined> }} o
 * @returns {{ kind: 'electron', sqlite: boolean } | { kind: 'host', note: string | null } | { kind: 'refuse', message: string }}
 *   `sqlite`: the app opens a database here and needs better-sqlite3 built for Electron (not for a remote studio).
 */
export function launchPlan(o) {
  if (o.serveOnly) return { kind: 'host', note: null };
  // On Linux a window needs a display: over SSH without X forwarding Electron would only fail. Decided first, so that
  // no Electron binary is fetched for a window that cannot open (see needsElectron).
  if (headlessHere(o)) {
    if (o.remote)
      return {
        kind: 'refuse',
        message: 'No display here (DISPLAY is unset): open the remote studio in a browser instead (the URL serve printed).',
      };
    return { kind: 'host', note: 'No display here (DISPLAY is unset): starting the headless host instead.' };
  }
  if (!o.electronFound) {
    if (o.remote)
      return {
        kind: 'refuse',
        message: 'Electron is not installed here: open the remote studio in a browser instead (the URL serve printed).',
      };
    return {
      kind: 'host',
      note: 'Electron binary not installed and not fetchable here (offline?): starting the headless host instead.',
    };
  }
  return { kind: 'electron', sqlite: !o.remote };
}

/** Whether a window cannot open here: Linux without a display. */
function headlessHere(o) {
  return o.platform === 'linux' && !o.env['DISPLAY'] && !o.env['WAYLAND_DISPLAY'];
}

/** Whether to look for (and perhaps fetch) Electron's binary at all: not for the host, nor where no window can open. */
export function needsElectron(o) {
  return !o.serveOnly && !headlessHere(o);
}

/** The exit code for a child that ended with `code` or by `signal` (128 + its number, as a shell reports it). */
export function exitCodeOf(code, signal, signals) {
  if (code !== null) return code;
  return signal ? 128 + (signals[signal] ?? 0) : 1;
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether `out/` (electron-vite's build) is newer than every file under src/: else it would serve an older studio. */
export function buildIsCurrent(root) {
  const built = join(root, 'out', 'renderer', 'index.html');
  return existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(root, 'src'));
}
