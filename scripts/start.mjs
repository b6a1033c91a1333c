#!/usr/bin/env node
// npm start: the Electron app where its binary is installed, otherwise the headless host in a browser.
// npm run serve (--serve): the headless host on purpose, e.g. on a remote GPU box (--host/--port).
// npm start -- --remote URL: the Electron app showing the studio a host serves at URL (token from LATENT_STUDIO_TOKEN).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent, electronViteBin, exitCodeOf, launchPlan, needsElectron } from './launch-plan.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const serveOnly = args.includes('--serve');
const passThrough = args.filter((a) => a !== '--serve');

function ensureBuilt() {
  if (buildIsCurrent(root)) return;
  console.log('Building the studio (electron-vite build)…');
  const r = spawnSync(process.execPath, [electronViteBin(), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Electron's package fetches its binary on first launch; offline that fails, and we say so in one line. */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const binary = () => {
    const pathFile = join(pkgDir, 'path.txt');
    const exe = existsSync(pathFile) ? join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
    return exe && existsSync(exe) ? exe : null;
  };
  if (binary()) return binary();
  console.log('Fetching the Electron binary (first launch)…');
  spawnSync(process.execPath, [join(pkgDir, 'install.js')], { cwd: pkgDir, stdio: 'pipe', timeout: 300_000 });
  return binary();
}

/**
 * better-sqlite3 in node_modules is built for Node's ABI (the CLI, the host and the tests use it).
 * Electron needs its own build: a copy of the package, given Electron's prebuilt binary (or compiled
 * against Electron's headers), passed to the app through LATENT_STUDIO_SQLITE_BINDING.
 */
function electronSqliteBinding() {
  const version = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const dir = join(root, 'build', `electron-${version}`, 'better-sqlite3');
  const binding = join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  console.log(`Building better-sqlite3 for Electron ${version} (once)…`);
  cpSync(dirname(require.resolve('better-sqlite3/package.json')), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
  });
  const prebuilt = spawnSync(
    process.execPath,
    [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', version],
    { cwd: dir, stdio: 'inherit' },
  );
  if (prebuilt.status !== 0 || !existsSync(binding)) {
    const gyp = join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    );
    spawnSync(
      process.execPath,
      [gyp, 'rebuild', '--release', '--runtime=electron', `--target=${version}`, '--dist-url=https://electronjs.org/headers'],
      { cwd: dir, stdio: 'inherit' },
    );
  }
  return existsSync(binding) ? binding : null;
}

ensureBuilt();
const remote = passThrough.some((a) => a === '--remote' || a.startsWith('--remote='));
const here = { serveOnly, remote, platform: process.platform, env: process.env };
const electron = needsElectron(here) ? electronBinary() : null;
let plan = launchPlan({ ...here, electronFound: electron !== null });
if (plan.kind === 'refuse') {
  console.log(plan.message);
  process.exit(2);
}
const sqliteBinding = plan.kind === 'electron' && plan.sqlite ? electronSqliteBinding() : null;
if (plan.kind === 'electron' && plan.sqlite && !sqliteBinding)
  plan = {
    kind: 'host',
    note: 'better-sqlite3 could not be built for Electron (see above): starting the headless host instead.',
  };
const relay = (child) => {
  // Passed on: a signal sent to this script alone (kill) must reach the studio too. Ctrl-C reaches the child from
  // the terminal as well, so it gets that one twice at once, which the host and the app take as one.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(exitCodeOf(code, signal, constants.signals)));
};
if (plan.kind === 'electron') {
  const env = { ...process.env, ...(sqliteBinding ? { LATENT_STUDIO_SQLITE_BINDING: sqliteBinding } : {}) };
  relay(spawn(electron, [root, ...passThrough], { stdio: 'inherit', env }));
} else {
  if (plan.note) console.log(plan.note);
  const cli = join(root, 'bin', 'latent-studio.mjs');
  const open = serveOnly ? [] : ['--open'];
  relay(spawn(process.execPath, [cli, 'serve', ...open, ...passThrough], { stdio: 'inherit' }));
}
