import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetStore } from './store';

const shape = { height: 2, width: 2, channels: 1, count: 1 };

describe('the sets a crashed import left half-written', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'latent-studio-store-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const partials = () => readdirSync(root).filter((e) => e.startsWith('.partial-'));
  /** A partial set as `create` leaves it, written by `owner` (null: no owner file, as an older studio wrote). */
  const leftBy = (name: string, owner: { host: string; pid: number } | null, ageMs = 0) => {
    const dir = join(root, `.partial-${name}-1-00000000`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'images.u8'), new Uint8Array(4));
    if (owner) writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
    const at = new Date(Date.now() - ageMs);
    for (const f of readdirSync(dir)) utimesSync(join(dir, f), at, at);
    utimesSync(dir, at, at);
    return dir;
  };

  it('are removed once their writer has gone, and never while it writes (another terminal, another studio)', () => {
    const store = new DatasetStore(root);
    const writing = store.create('live', shape);
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const crashed = leftBy('crashed', { host: hostname(), pid: gone });
    const parent = leftBy('beside', { host: hostname(), pid: process.ppid });
    store.sweepPartial();
    expect(existsSync(crashed)).toBe(false);
    expect(existsSync(parent)).toBe(true);
    expect(existsSync(writing.dir)).toBe(true);
    // The writer goes on and commits what it wrote: the set is whole, without the writer's own note.
    writing.put(0, new Uint8Array(4), null, 0);
    writing.commit({
      ...{ title: 'live', kind: 'imported', description: '', source: 'test' },
      ...{ trainCount: 1, testCount: 0, labelNames: null, factors: [], twin: null, split: 'none' },
    });
    expect(readdirSync(store.dir('live')).sort()).toEqual(['images.u8', 'manifest.json', 'source.u32']);
  });

  it('written on another machine or by an older studio, are removed only after a day untouched', () => {
    const store = new DatasetStore(root);
    const elsewhere = leftBy('elsewhere', { host: 'another-node', pid: 1 }, 3600_000);
    const elsewhereOld = leftBy('elsewhere-old', { host: 'another-node', pid: 1 }, 25 * 3600_000);
    const unowned = leftBy('unowned', null, 3600_000);
    const unownedOld = leftBy('unowned-old', null, 25 * 3600_000);
    // A deleted set the studio stopped removing halfway (renamed out of the way first, then removed).
    const deleted = join(root, '.partial-.deleted-gone-0123abcd');
    // A set named deleted-photos being written, its owner not yet written: not taken for one.
    const named = join(root, '.partial-deleted-photos-1-0123abcd');
    mkdirSync(named);
    mkdirSync(deleted);
    store.sweepPartial();
    expect([elsewhere, elsewhereOld, unowned, unownedOld, deleted, named].map(existsSync)).toEqual([
      true,
      false,
      true,
      false,
      false,
      true,
    ]);
    expect(partials()).toHaveLength(3);
  });
});
