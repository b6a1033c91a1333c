import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildIsCurrent, electronViteBin, exitCodeOf, launchPlan, needsElectron } from '../../scripts/launch-plan.mjs';
import { tempDir } from './helpers';

type Plan = { kind: 'electron'; sqlite: boolean } | { kind: 'host'; note: string | null } | { kind: 'refuse'; message: string };
const plan = (o: { serveOnly?: boolean; remote?: boolean; electronFound?: boolean; platform?: string; env?: object }): Plan =>
  (launchPlan as (o: object) => Plan)({
    serveOnly: false,
    remote: false,
    electronFound: true,
    platform: 'linux',
    env: { DISPLAY: ':0' },
    ...o,
  });

describe('what npm start launches', () => {
  it("finds electron-vite's script to build the studio with (its package exports no bin path)", () => {
    const bin = (electronViteBin as () => string)();
    expect(bin).toMatch(/electron-vite[/\\]bin[/\\]electron-vite\.js$/);
    expect(existsSync(bin)).toBe(true);
  });

  it('the app with its own database where Electron and a display are here; the app alone for a remote studio', () => {
    expect(plan({})).toEqual({ kind: 'electron', sqlite: true });
    expect(plan({ env: { WAYLAND_DISPLAY: 'wayland-0' } })).toEqual({ kind: 'electron', sqlite: true });
    expect(plan({ platform: 'darwin', env: {} })).toEqual({ kind: 'electron', sqlite: true });
    // A remote studio opens no database here: no better-sqlite3 for Electron to build.
    expect(plan({ remote: true })).toEqual({ kind: 'electron', sqlite: false });
  });

  it('the headless host where Electron is missing or there is no display (over SSH), saying why', () => {
    expect(plan({ electronFound: false })).toMatchObject({
      kind: 'host',
      note: expect.stringContaining('Electron binary not installed'),
    });
    expect(plan({ env: {} })).toMatchObject({
      kind: 'host',
      note: expect.stringContaining('No display here (DISPLAY is unset)'),
    });
    expect(plan({ serveOnly: true, electronFound: false })).toEqual({ kind: 'host', note: null });
    expect(plan({ remote: true, env: {} })).toMatchObject({ kind: 'refuse', message: expect.stringContaining('in a browser') });
    expect(plan({ remote: true, electronFound: false })).toMatchObject({ kind: 'refuse' });
    // No Electron binary is looked for (nor fetched) where no window can open, nor for the host.
    const wants = needsElectron as (o: object) => boolean;
    expect(wants({ serveOnly: false, platform: 'linux', env: {} })).toBe(false);
    expect(wants({ serveOnly: true, platform: 'linux', env: { DISPLAY: ':0' } })).toBe(false);
    expect(wants({ serveOnly: false, platform: 'linux', env: { DISPLAY: ':0' } })).toBe(true);
    expect(wants({ serveOnly: false, platform: 'win32', env: {} })).toBe(true);
  });

  it("passes on the app's exit: its code, or 128 + the signal that ended it", () => {
    const exit = exitCodeOf as (code: number | null, signal: string | null, signals: object) => number;
    expect(exit(0, null, constants.signals)).toBe(0);
    expect(exit(3, null, constants.signals)).toBe(3);
    expect(exit(null, 'SIGTERM', constants.signals)).toBe(143);
    expect(exit(null, 'SIGKILL', constants.signals)).toBe(137);
  });
});

describe('the build npm start and the UI benches serve', () => {
  it('is current only when newer than every source file: a missing or older one is built again', () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, 'src', 'renderer'), { recursive: true });
      const source = join(t.dir, 'src', 'renderer', 'App.svelte');
      writeFileSync(source, '<p></p>');
      expect(buildIsCurrent(t.dir)).toBe(false);
      mkdirSync(join(t.dir, 'out', 'renderer'), { recursive: true });
      const built = join(t.dir, 'out', 'renderer', 'index.html');
      writeFileSync(built, '<html></html>');
      utimesSync(source, new Date(1000), new Date(1_000_000));
      utimesSync(built, new Date(1000), new Date(2_000_000));
      expect(buildIsCurrent(t.dir)).toBe(true);
      utimesSync(source, new Date(1000), new Date(3_000_000));
      expect(buildIsCurrent(t.dir)).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});
