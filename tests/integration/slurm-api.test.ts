import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import { SlurmCommandError, type SlurmCommands } from '../../src/core/slurm/commands';
import { openDb } from '../../src/core/store/db';
import { insertSweep } from '../../src/core/store/sweeps';
import { createStudio, type Studio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import { sbatchDirectives, SlurmOptions } from '../../src/shared/slurm';
import { SweepSpec, type SweepSpecInput } from '../../src/shared/sweep';
import { mnistConfig, tempDir } from './helpers';

// What the UI sees of a sweep sent to Slurm, through the API, with stand-in Slurm commands: sbatch answers a
// job id and squeue knows no task yet. The real cluster is tested in tests/slurm/sweep.test.ts.
let tmp: ReturnType<typeof tempDir>;
let studio: Studio;
let sharedDir: string;
const submitted: string[] = [];
let refuseNext: string | null = null;
const scancelled: string[][] = [];
let refuseScancel = false;

const commands: SlurmCommands = {
  async sbatch(scriptPath) {
    if (refuseNext) {
      const message = refuseNext;
      refuseNext = null;
      throw new SlurmCommandError(message);
    }
    submitted.push(scriptPath);
    return '4242';
  },
  taskStates: async () => new Map(),
  async scancel(ids) {
    scancelled.push([...ids]);
    if (refuseScancel) throw new SlurmCommandError(`scancel ${ids.join(' ')} failed: Unable to contact slurm controller`);
  },
};

function spec(name: string): SweepSpecInput {
  return {
    name,
    method: 'grid',
    base: mnistConfig({ trainSubset: 200, testSubset: 100 }),
    parameters: { 'training.seed': { values: [1, 2] } },
  };
}

const count = () =>
  studio.db
    .prepare(
      'SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM sweeps) AS sweeps, (SELECT count(*) FROM experiments) AS experiments',
    )
    .get() as { runs: number; sweeps: number; experiments: number };

beforeAll(() => {
  tmp = tempDir('latent-studio-slurm-api-');
  sharedDir = join(tmp.dir, 'shared');
  // A long poll: squeue's empty answer would end the tasks as unknown to Slurm after three polls.
  studio = createStudio({
    dbPath: join(tmp.dir, 'studio.db'),
    launcher: forkLauncher(),
    transport: 'headless',
    slurm: { sharedDir, commands, pollMs: 600_000 },
  });
});
afterAll(async () => {
  await studio?.close();
  tmp?.cleanup();
});

describe('the Slurm options through the API', () => {
  it('refuses a bad time limit at slurm.time, in a dry run as in a real one, and keeps nothing', async () => {
    for (const dryRun of [true, false]) {
      const answer = await dispatch(studio.api, 'sweeps.create', {
        spec: spec('bad time'),
        dryRun,
        slurm: { time: '25 hours', partition: 'gpu' },
      });
      expect(answer.ok).toBe(false);
      if (answer.ok) continue;
      expect(answer.error.code).toBe('bad_request');
      expect(answer.error.issues?.map((i) => i.path)).toEqual(['slurm.time']);
    }
    const extra = await dispatch(studio.api, 'sweeps.create', {
      spec: spec('bad extra'),
      dryRun: true,
      slurm: { extra: '--qos=normal; rm -rf ~' },
    });
    expect(extra.ok ? [] : extra.error.issues?.map((i) => i.path)).toEqual(['slurm.extra']);
    expect(count()).toEqual({ runs: 0, sweeps: 0, experiments: 0 });
    expect(submitted).toEqual([]);
  });

  it('accepts good options in a dry run: the runs are listed and nothing is submitted', async () => {
    const answer = await dispatch(studio.api, 'sweeps.create', {
      spec: spec('dry'),
      dryRun: true,
      slurm: { partition: 'gpu', time: '2:00:00', cpusPerTask: 2, gpusPerTask: 1, maxParallel: 1 },
    });
    expect(answer.ok, JSON.stringify(answer)).toBe(true);
    if (!answer.ok) return;
    const value = answer.value as { sweepId: number | null; runs: unknown[]; issues: unknown[] };
    expect(value).toMatchObject({ sweepId: null, issues: [] });
    expect(value.runs).toHaveLength(2);
    expect(count()).toEqual({ runs: 0, sweeps: 0, experiments: 0 });
    expect(submitted).toEqual([]);
  });

  it('refuses the sweep at `slurm` when sbatch fails, leaving no sweep, run, experiment or folder behind', async () => {
    refuseNext = 'sbatch --parsable x failed: sbatch: error: invalid partition specified: nope';
    const answer = await dispatch(studio.api, 'sweeps.create', { spec: spec('refused'), slurm: { partition: 'nope' } });
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('bad_request');
    expect(answer.error.issues).toEqual([{ path: 'slurm', message: expect.stringContaining('invalid partition') as string }]);
    expect(count()).toEqual({ runs: 0, sweeps: 0, experiments: 0 });
    expect(await studio.api['sweeps.list']({})).toEqual([]);
    expect(existsSync(sharedDir) ? readdirSync(sharedDir) : []).toEqual([]);
  });

  it('shows a submitted sweep: its job, its batch script, and each run’s task in the list and the table', async () => {
    const options = { partition: 'gpu', time: '2:00:00', cpusPerTask: 2, maxParallel: 1, extra: '--qos=normal' };
    const created = await studio.api['sweeps.create']({
      spec: SweepSpec.parse(spec('on slurm')),
      slurm: options,
    });
    const sweepId = created.sweepId as number;
    expect(submitted).toHaveLength(1);

    const sweep = await studio.api['sweeps.get']({ sweepId });
    expect(sweep.slurm).toMatchObject({ jobId: '4242', options: { ...options } });
    expect(sweep.slurm?.dir.startsWith(sharedDir)).toBe(true);

    const script = await studio.api['sweeps.script']({ sweepId });
    expect(script.path).toBe(sweep.slurm?.script);
    expect(script.path).toBe(submitted[0]);
    expect(script.text).toMatch(/^#!\/bin\/bash\n/);
    for (const line of [
      '#SBATCH --array=0-1%1',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --no-requeue',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=2:00:00',
      '#SBATCH --qos=normal',
    ]) {
      expect(script.text).toContain(line);
    }
    expect(script.text).toContain('slurm-task');
    // The form previews these very lines (shared/slurm.ts), the job name and log path aside.
    const { options: set, extra } = sbatchDirectives(SlurmOptions.parse(options), 2);
    expect(script.text.split('\n').filter((l) => l.startsWith('#SBATCH') && !/--(job-name|output)=/.test(l))).toEqual(
      [...set, ...extra].map((o) => `#SBATCH ${o}`),
    );

    const runIds = created.runs.map((r) => r.runId as number);
    const listed = await studio.api['runs.list']({ runIds });
    expect(listed.map((r) => r.slurm).sort((a, b) => (a?.taskId ?? 0) - (b?.taskId ?? 0))).toEqual([
      { jobId: '4242', taskId: 0, state: 'PENDING' },
      { jobId: '4242', taskId: 1, state: 'PENDING' },
    ]);
    const table = await studio.api['runs.table']({ sweepId });
    expect(table.rows.map((r) => [r.id, r.slurm])).toEqual([
      [runIds[0], { jobId: '4242', taskId: 0, state: 'PENDING' }],
      [runIds[1], { jobId: '4242', taskId: 1, state: 'PENDING' }],
    ]);
    // Waiting for the cluster, not for this machine's queue.
    expect((await studio.api['scheduler.get']({})).queued).toBe(0);
  });

  it('cancels a sweep’s tasks in one scancel; refused, it says its runs go on, and they do', async () => {
    const created = await studio.api['sweeps.create']({
      spec: SweepSpec.parse(spec('cancelled on slurm')),
      slurm: SlurmOptions.parse({}),
    });
    const sweepId = created.sweepId as number;
    refuseScancel = true;
    scancelled.length = 0;
    const answer = await dispatch(studio.api, 'sweeps.cancel', { sweepId });
    expect(scancelled).toEqual([['4242_0', '4242_1']]);
    expect(answer).toMatchObject({
      ok: false,
      error: {
        code: 'conflict',
        message: `sweep ${sweepId}: 2 of its runs go on (scancel 4242_0 4242_1 failed: Unable to contact slurm controller); cancel again once the cluster answers`,
      },
    });
    const runs = await studio.api['runs.list']({ runIds: created.runs.map((r) => r.runId as number) });
    expect(runs.map((r) => r.status)).toEqual(['queued', 'queued']);
    // Its runs go on, and so does the sweep: not marked cancelled.
    expect((await studio.api['sweeps.get']({ sweepId })).state).toBe('active');
    refuseScancel = false;
  });

  it('has no batch script for a sweep that was not sent to Slurm, nor for one that does not exist', async () => {
    const local = await studio.api['sweeps.create']({ spec: SweepSpec.parse(spec('local')) });
    const localId = local.sweepId as number;
    await studio.api['sweeps.cancel']({ sweepId: localId });
    for (const sweepId of [localId, 999]) {
      const answer = await dispatch(studio.api, 'sweeps.script', { sweepId });
      expect(answer.ok ? null : answer.error.code).toBe('not_found');
    }
    const table = await studio.api['runs.table']({ sweepId: localId });
    expect(table.rows.every((r) => r.slurm === undefined)).toBe(true);
    // The request names a sweep, never a path.
    const withPath = await dispatch(studio.api, 'sweeps.script', { sweepId: 1, path: '/etc/passwd' });
    expect(withPath.ok ? null : withPath.error.code).toBe('bad_request');
  });
});

describe('a studio that stopped while sbatch ran', () => {
  it('leaves runs queued for a task no one knows; the next studio ends them interrupted, to be resumed', async () => {
    const t = tempDir('latent-studio-slurm-stranded-');
    const dbPath = join(t.dir, 'studio.db');
    const db = openDb(dbPath);
    const points = [{ name: 'a', params: { 'training.seed': 1 }, config: mnistConfig({ trainSubset: 200, testSubset: 100 }) }];
    const { runIds } = insertSweep(db, SweepSpec.parse(spec('stranded')), points, () => 'h', 'slurm');
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    db.prepare(`UPDATE jobs SET supervisor_pid = ? WHERE kind = 'train'`).run(deadPid);
    db.close();
    const next = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless', slurm: { sharedDir, commands } });
    try {
      // Its attempt on the cluster ended interrupted (and, its sweep active, the run goes on here, as any run of a
      // sweep its studio left interrupted).
      const run = await next.api['runs.get']({ runId: runIds[0]! });
      expect(run.attempts[0]).toMatchObject({
        executor: 'slurm',
        status: 'interrupted',
        error: expect.stringMatching(/stopped while sending it to Slurm/),
      });
    } finally {
      await next.close();
      t.cleanup();
    }
  });
});
