import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SlurmCommandError, type SlurmCommands } from '../../src/core/slurm/commands';
import { insertRun, markRunning } from '../../src/core/store/runs';
import { setRunSlurm } from '../../src/core/store/slurm-runs';
import { createStudio, type Studio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { RunStatus } from '../../src/shared/api';
import { mnistConfig, tempDir, testEnvironment } from './helpers';

/** A studio on its own database whose Slurm commands are the test's, polling every `pollMs`. */
function slurmStudio(dir: string, commands: SlurmCommands, pollMs: number, orphansMs: number): Studio {
  return createStudio({
    dbPath: join(dir, 'studio.db'),
    launcher: forkLauncher(),
    transport: 'headless',
    slurm: { sharedDir: join(dir, 'shared'), commands, pollMs, orphansMs },
  });
}

/** A run another studio sent to Slurm (supervised by `supervisor`), whose task wrote its figures and its clean end. */
function slurmRun(studio: Studio, dir: string, jobId: string, supervisor: number | undefined): number {
  const runId = insertRun(studio.db, mnistConfig(), 'h', 'slurm');
  markRunning(studio.db, runId, testEnvironment());
  const taskDir = join(dir, 'shared', `sweep-${jobId}`, 'task-0');
  mkdirSync(taskDir, { recursive: true });
  setRunSlurm(studio.db, runId, { jobId, taskId: 0, state: 'RUNNING', dir: taskDir, offset: 0 });
  studio.db
    .prepare(`UPDATE jobs SET supervisor_pid = ? WHERE run_id = ? AND kind = 'train' AND state IN ('queued','running')`)
    .run(supervisor, runId);
  const points = [{ step: 10, epoch: 1, split: 'test', name: 'loss', value: 0.05 }];
  appendFileSync(
    join(taskDir, 'events.jsonl'),
    [{ type: 'metrics', points }, { type: 'done' }, { type: 'task-exit', description: 'completed', clean: true }]
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
  return runId;
}

describe('Slurm runs whose studio ended while this one is open', () => {
  it('are followed to their end; those of a studio that lives are left to it', async () => {
    const tmp = tempDir('latent-studio-slurm-orphans-');
    // squeue: both tasks have completed.
    const commands: SlurmCommands = {
      sbatch: () => Promise.reject(new Error('not used')),
      taskStates: async (jobIds) => new Map(jobIds.flatMap((j) => [[`${j}_0`, { state: 'COMPLETED' }] as const])),
      scancel: async () => undefined,
    };
    const studio = slurmStudio(tmp.dir, commands, 50, 200);
    try {
      // Two runs another studio sent to Slurm after this one opened: one studio ended (a `sweep --slurm` whose
      // terminal closed: its process is gone), the other lives (this test's parent process).
      const runOf = (jobId: string, supervisor: number | undefined) => slurmRun(studio, tmp.dir, jobId, supervisor);
      const orphan = runOf('71', spawnSync(process.execPath, ['-e', '0']).pid);
      const heldElsewhere = runOf('72', process.ppid);
      const status = async (runId: number): Promise<RunStatus> => (await studio.api['runs.get']({ runId })).status;
      const start = Date.now();
      while ((await status(orphan)) === 'running' && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 100));
      expect(await status(orphan)).toBe('completed');
      const run = await studio.api['runs.get']({ runId: orphan });
      expect(run.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value).toBe(0.05);
      // A few more looks: the live studio's run is still its own.
      await new Promise((r) => setTimeout(r, 600));
      expect(await status(heldElsewhere)).toBe('running');
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it('a message that could not be stored is read again when the run is followed anew, and stored once', async () => {
    const tmp = tempDir('latent-studio-slurm-refollow-');
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const commands: SlurmCommands = {
      sbatch: () => Promise.reject(new Error('not used')),
      taskStates: async (jobIds) => new Map(jobIds.flatMap((j) => [[`${j}_0`, { state: 'COMPLETED' }] as const])),
      scancel: async () => undefined,
    };
    const studio = slurmStudio(tmp.dir, commands, 20, 100);
    try {
      // Its figures cannot be stored for a while (as a database locked past its timeout).
      studio.db.exec(`CREATE TRIGGER busy BEFORE INSERT ON metrics BEGIN SELECT RAISE(ABORT, 'database is locked'); END`);
      const runId = slurmRun(studio, tmp.dir, '74', spawnSync(process.execPath, ['-e', '0']).pid);
      const warned = async () => (await studio.api['runs.get']({ runId })).warnings.length;
      let start = Date.now();
      while ((await warned()) === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20));
      // Dropped, not ended: its log is read again from where the last stored message left it.
      expect((await studio.api['runs.get']({ runId })).status).toBe('running');
      studio.db.exec('DROP TRIGGER busy');
      start = Date.now();
      while ((await studio.api['runs.get']({ runId })).status === 'running' && Date.now() - start < 10_000)
        await new Promise((r) => setTimeout(r, 20));
      const run = await studio.api['runs.get']({ runId });
      expect(run.status).toBe('completed');
      const stored = studio.db.prepare(`SELECT value FROM metrics WHERE run_id = ? AND name = 'loss'`).all(runId);
      expect(stored).toEqual([{ value: 0.05 }]);
    } finally {
      logged.mockRestore();
      await studio.close();
      tmp.cleanup();
    }
  });

  it('are told, once, when squeue keeps failing: the state shown is then the last squeue gave', async () => {
    const tmp = tempDir('latent-studio-slurm-squeue-');
    // Each failed poll is said on the console too: kept out of the test's output.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const commands: SlurmCommands = {
      sbatch: () => Promise.reject(new Error('not used')),
      taskStates: () => Promise.reject(new SlurmCommandError('squeue is not installed here')),
      scancel: async () => undefined,
    };
    const studio = slurmStudio(tmp.dir, commands, 10, 10);
    try {
      // Its log says nothing yet: only squeue could say how it goes.
      const runId = slurmRun(studio, tmp.dir, '73', spawnSync(process.execPath, ['-e', '0']).pid);
      writeFileSync(join(tmp.dir, 'shared', 'sweep-73', 'task-0', 'events.jsonl'), '');
      const warned = async () =>
        (await studio.api['runs.get']({ runId })).warnings.filter((w) => w.includes('squeue has failed'));
      const start = Date.now();
      while ((await warned()).length === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      expect(await warned()).toEqual([
        'squeue has failed 30 times in a row (squeue is not installed here): the Slurm state shown is the last it gave; the studio keeps asking',
      ]);
      expect((await studio.api['runs.get']({ runId })).status).toBe('running');
    } finally {
      logged.mockRestore();
      await studio.close();
      tmp.cleanup();
    }
  });
});

describe('a Slurm task squeue has forgotten (a studio closed longer than MinJobAge)', () => {
  /** A run whose task trained for a while and ended without its own last word; squeue lists it no more. */
  async function forgotten(jobId: string, finalStates: SlurmCommands['finalStates']) {
    const tmp = tempDir('latent-studio-slurm-sacct-');
    const asked: string[][] = [];
    const commands: SlurmCommands = {
      sbatch: () => Promise.reject(new Error('not used')),
      taskStates: async () => new Map(),
      ...(finalStates ? { finalStates: (ids) => (asked.push([...ids]), finalStates(ids)) } : {}),
      scancel: async () => undefined,
    };
    const studio = slurmStudio(tmp.dir, commands, 10, 10);
    try {
      const runId = slurmRun(studio, tmp.dir, jobId, spawnSync(process.execPath, ['-e', '0']).pid);
      const points = [{ step: 10, epoch: 1, split: 'test', name: 'loss', value: 0.05 }];
      writeFileSync(
        join(tmp.dir, 'shared', `sweep-${jobId}`, 'task-0', 'events.jsonl'),
        `${JSON.stringify({ type: 'metrics', points })}\n`,
      );
      const start = Date.now();
      while ((await studio.api['runs.get']({ runId })).status === 'running' && Date.now() - start < 10_000)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      return { run: await studio.api['runs.get']({ runId }), asked };
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  }

  it("ends as Slurm's accounting (sacct) says it ended: here its time limit", async () => {
    const { run, asked } = await forgotten('91', async (ids) => new Map(ids.map((id) => [id, { state: 'TIMEOUT' }])));
    expect(asked[0]).toEqual(['91_0']);
    // Interrupted, as a run whose worker died: resumable from its last checkpoint.
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatch(/^the Slurm task 91_0 ended TIMEOUT before its run did: it hit its time limit/);
  });

  it('is said to be gone where the cluster keeps no accounting, and sacct is not asked again', async () => {
    const disabled = async (): Promise<never> => {
      throw new SlurmCommandError('sacct -n -P -X -j 92_0 -o JobID,State failed: Slurm accounting storage is disabled');
    };
    const { run, asked } = await forgotten('92', disabled);
    expect(run.error).toBe('the Slurm task 92_0 is no longer known to Slurm, and its log has no end (last state RUNNING)');
    expect(asked).toHaveLength(1);
  });
});

describe('cancelling Slurm runs', () => {
  it('sends the runs cancelled together in one scancel; refused, each cancel says its run goes on, and it does', async () => {
    const tmp = tempDir('latent-studio-slurm-cancel-');
    const calls: string[][] = [];
    let refuse = true;
    const commands: SlurmCommands = {
      sbatch: () => Promise.reject(new Error('not used')),
      taskStates: async (jobIds) => new Map(jobIds.map((j) => [`${j}_0`, { state: 'RUNNING' }])),
      scancel: async (ids) => {
        calls.push([...ids]);
        if (refuse)
          throw new SlurmCommandError(
            `scancel ${ids.join(' ')} failed: slurm_load_jobs error: Unable to contact slurm controller`,
          );
      },
    };
    const studio = slurmStudio(tmp.dir, commands, 20, 20);
    try {
      // Two runs this studio follows (taken over from a studio that ended), their tasks still training.
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      const runIds = ['81', '82'].map((jobId) => {
        const runId = slurmRun(studio, tmp.dir, jobId, dead);
        writeFileSync(join(tmp.dir, 'shared', `sweep-${jobId}`, 'task-0', 'events.jsonl'), '');
        return runId;
      });
      const start = Date.now();
      while (runIds.some((id) => !studio.orchestrator.activeRunIds.includes(id)) && Date.now() - start < 10_000)
        await new Promise((r) => setTimeout(r, 20));

      const answers = await Promise.allSettled(runIds.map((runId) => studio.api['runs.cancel']({ runId })));
      expect(calls).toEqual([['81_0', '82_0']]);
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe('rejected');
        if (answer.status === 'rejected')
          expect((answer.reason as Error).message).toBe(
            `run ${runIds[i]} goes on: scancel 81_0 82_0 failed: slurm_load_jobs error: Unable to contact slurm controller; cancel again once the cluster answers`,
          );
      }
      for (const runId of runIds) expect((await studio.api['runs.get']({ runId })).status).toBe('running');

      // The cluster answers again: cancelled, and its task's end makes the run end as cancelled.
      refuse = false;
      const cancelled = studio.api['runs.cancel']({ runId: runIds[0]! });
      await new Promise((r) => setTimeout(r, 100));
      expect(calls.at(-1)).toEqual(['81_0']);
      const log = join(tmp.dir, 'shared', 'sweep-81', 'task-0', 'events.jsonl');
      appendFileSync(log, `${JSON.stringify({ type: 'task-exit', description: 'stopped', clean: false })}\n`);
      expect(await cancelled).toEqual({ status: 'cancelled' });
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });
});
