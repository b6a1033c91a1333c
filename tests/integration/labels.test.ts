/**
 * Organising runs and sweeps: rename, tags, notes and a star are stored (a reopened studio has them), found by the
 * search, written to the CSV, and a bad label is refused naming its field with nothing changed.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import { createStudio, findPreset, type Studio } from '../../src/core/studio';
import { insertRun } from '../../src/core/store/runs';
import { insertSweep } from '../../src/core/store/sweeps';
import type { WorkerLauncher } from '../../src/core/training/protocol';
import type { ApiErrorBody, CommandName, CommandOutput } from '../../src/shared/api';
import { runsTableCsv } from '../../src/shared/runs-table';
import { SweepSpec } from '../../src/shared/sweep';
import { tempDir } from './helpers';

const noWorkers: WorkerLauncher = () => {
  throw new Error('no worker is needed to label runs');
};

let tmp: ReturnType<typeof tempDir>;
let studio: Studio;
const dbPath = () => join(tmp.dir, 'labels.db');
const open = () => createStudio({ dbPath: dbPath(), launcher: noWorkers, transport: 'headless' });
const ids: number[] = [];
let sweepId = 0;

beforeAll(() => {
  tmp = tempDir();
  studio = open();
  const base = findPreset('beta-vae-4');
  if (!base || base.family !== 'vae') throw new Error('no beta-vae-4 preset');
  for (const [i, beta] of [1, 4, 8].entries()) {
    const config = structuredClone(base);
    config.model.beta = beta;
    config.name = `run β=${beta}`;
    ids.push(insertRun(studio.db, config, `hash-${i}`));
  }
  const spec = SweepSpec.parse({ name: 'a sweep', method: 'grid', base, parameters: { 'model.beta': { values: [2] } } });
  sweepId = insertSweep(studio.db, spec, [], () => 'h').sweepId;
});
afterAll(async () => {
  await studio.close();
  tmp.cleanup();
});

/** A command through the transports' own path (its input checked), its value or its refusal thrown. */
async function call<K extends CommandName>(name: K, input: unknown): Promise<CommandOutput<K>> {
  const answer = await dispatch(studio.api, name, input);
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), answer.error);
  return answer.value as CommandOutput<K>;
}
const label = (input: Record<string, unknown>) => call('runs.label', input);
const search = async (query: string) => (await call('runs.search', { query })).runIds;

describe('labels', () => {
  it('renames, tags, annotates and stars a run, and a reopened studio has them', async () => {
    const [a, b] = ids as [number, number];
    const events: unknown[] = [];
    const off = studio.events.on((e) => events.push(e));
    const saved = await label({ runId: b, name: 'the β = 4 baseline', tags: ['baseline', 'paper-fig2'], starred: true });
    off();
    expect(saved).toMatchObject({
      id: b,
      name: 'the β = 4 baseline',
      tags: ['baseline', 'paper-fig2'],
      starred: true,
      notes: '',
    });
    expect(events).toContainEqual({ name: 'run.labels', payload: saved });
    await label({ runId: a, notes: 'Blurry.\nTry a larger latent.' });
    // Only the fields given change.
    await label({ runId: b, starred: false });

    await studio.close();
    studio = open();
    const [runB] = await call('runs.list', { runIds: [b] });
    expect(runB).toMatchObject({ name: 'the β = 4 baseline', tags: ['baseline', 'paper-fig2'], starred: false });
    const runA = await call('runs.get', { runId: a });
    expect(runA.notes).toBe('Blurry.\nTry a larger latent.');
    // The config (and its hash) is the run's record, not a label: a rename leaves it.
    expect(runA.config.name).toBe('run β=1');
  });

  it('finds runs by tag, by config value, by words in the notes, and says none when none match', async () => {
    const [a, b, c] = ids as [number, number, number];
    expect(await search('tag:baseline')).toEqual([b]);
    expect(await search('model.beta=4')).toEqual([b]);
    expect(await search('beta>=4')).toEqual([c, b]);
    expect(await search('larger latent')).toEqual([a]);
    expect(await search('vae')).toEqual([c, b, a]);
    expect(await search('tag:nothing')).toEqual([]);
    // Words that name no field say so, beside the empty answer.
    expect(await call('runs.search', { query: 'learningrate<0.1 vae' })).toEqual({
      runIds: [],
      sweepIds: [],
      hints: ['no run has a config field “learningrate” (did you mean learningRate?)'],
    });
    expect((await call('runs.search', { query: 'beta>=4' })).hints).toEqual([]);
  });

  it('writes the labels to the CSV', async () => {
    const table = await call('runs.table', { runIds: ids });
    const csv = runsTableCsv(table);
    expect(csv.split('\n')[0]).toMatch(/^id,name,status,family,starred,tags,notes,/);
    expect(csv).toMatch(/\n2,the β = 4 baseline,\w+,vae,false,baseline paper-fig2,,/);
    expect(csv).toContain('"Blurry.\nTry a larger latent."');
  });

  it('refuses a bad label naming its field, and changes nothing', async () => {
    const b = ids[1] as number;
    const refused = async (input: Record<string, unknown>, field: string) => {
      const e = await label({ runId: b, ...input }).catch((err: unknown) => err);
      expect((e as ApiErrorBody).code).toBe('bad_request');
      expect((e as ApiErrorBody).issues?.map((i) => i.path)).toContain(field);
    };
    await refused({ name: '   ' }, 'name');
    await refused({ tags: ['two words'] }, 'tags[0]');
    await refused({ tags: ['x', 'x'] }, 'tags');
    await refused({ tags: ['Baseline', 'baseline'] }, 'tags');
    await refused({ notes: 'n'.repeat(20_001) }, 'notes');
    const e = await label({ runId: 999_999, name: 'x' }).catch((err: unknown) => err);
    expect((e as ApiErrorBody).code).toBe('not_found');
    const [run] = await call('runs.list', { runIds: [b] });
    expect(run).toMatchObject({ name: 'the β = 4 baseline', tags: ['baseline', 'paper-fig2'] });
  });

  it('labels a sweep, refuses a name another sweep has, and finds it', async () => {
    const other = insertSweep(
      studio.db,
      SweepSpec.parse({
        name: 'other',
        method: 'grid',
        base: findPreset('beta-vae-4'),
        parameters: { 'model.beta': { values: [2] } },
      }),
      [],
      () => 'h',
    ).sweepId;
    const saved = await call('sweeps.label', { sweepId, tags: ['ablation'], starred: true });
    expect(saved).toMatchObject({ id: sweepId, tags: ['ablation'], starred: true });
    const e = await call('sweeps.label', { sweepId: other, name: 'a sweep' }).catch((err: unknown) => err);
    expect((e as ApiErrorBody).code).toBe('conflict');
    expect((await call('runs.search', { query: 'tag:ablation' })).sweepIds).toEqual([sweepId]);
  });

  it('spells a tag as the studio already does, in any case; one only this run has changes case', async () => {
    const [a, , c] = ids as [number, number, number];
    // Run b has baseline, the sweep ablation: the same words in another case are those tags.
    expect((await label({ runId: c, tags: ['Baseline', 'ABLATION', 'Fresh'] })).tags).toEqual(['baseline', 'ablation', 'Fresh']);
    // Fresh is only c's: c may spell it anew; a takes c's spelling.
    expect((await label({ runId: c, tags: ['baseline', 'FRESH'] })).tags).toEqual(['baseline', 'FRESH']);
    expect((await label({ runId: a, tags: ['fresh'] })).tags).toEqual(['FRESH']);
    await label({ runId: a, tags: [] });
    await label({ runId: c, tags: [] });
  });
});
