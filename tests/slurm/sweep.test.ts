import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../src/core/studio';
import { slurmCommands } from '../../src/core/slurm/commands';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { MetricPoint } from '../../src/shared/api';
import { SweepSpec } from '../../src/shared/sweep';
import { stepGateVariable } from '../../src/core/training/step-gate';
import { cliPath as cli, tempDir } from '../integration/helpers';
import { WorkerGate } from '../integration/worker-gate';
import { slurmSkipReason, startLocalSlurm, type LocalSlurm } from './cluster';
import { aeSweep } from './ae-sweep';

const skip = slurmSkipReason();
if (skip) console.warn(`tests/slurm skipped: ${skip}`);
const title = (name: string) => (skip ? `${name} (skipped: ${skip})` : name);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gateEnv = () => (process.env[stepGateVariable] ? { [stepGateVariable]: process.env[stepGateVariable] } : {});

let cluster: LocalSlurm;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  if (skip) return;
  tmp = tempDir('latent-studio-slurm-sweep-');
  const started = await startLocalSlurm();
  if ('skipped' in started) throw new Error(started.skipped);
  cluster = started;
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  tmp?.cleanup();
});

/** A studio whose Slurm commands talk to the test's cluster; one worker thread per run, as each task has one CPU. */
function studioOn(dbPath: string): Studio {
  return createStudio({
    dbPath,
    launcher: forkLauncher(),
    transport: 'headless',
    orchestrator: { maxConcurrent: 2, cores: 2 },
    // A test's step gate (tests/integration/worker-gate.ts) reaches the tasks through sbatch's environment.
    slurm: { commands: slurmCommands({ ...cluster.env, ...gateEnv() }), pollMs: 300 },
  });
}

const finals = (points: MetricPoint[]) =>
  points
    .filter((p) => p.split === 'test')
    .map((p) => `${p.name}@${p.step}=${p.value}`)
    .sort();

describe('sweeps on a Slurm cluster', () => {
  it.skipIf(skip)(
    title('the CLI submits a 4-run sweep as one job array; runs complete with the metrics of the same configs trained here'),
    async () => {
      const parameters = { 'model.latentSize': { values: [4, 8] }, 'training.seed': { values: [1, 2] } };
      const file = join(tmp.dir, 'sweep.json');
      writeFileSync(file, JSON.stringify(aeSweep('slurm sweep', 2, parameters)));
      const dbPath = join(tmp.dir, 'slurm.db');
      // The tasks hold in their second epoch (20 steps an epoch) until the test has seen a running run's metrics in
      // the database, so that "while it trains" holds on a machine of any speed.
      const gate = new WorkerGate(tmp.dir);
      gate.holdAt(25);
      const child = spawn(process.execPath, [cli, 'sweep', file, '--slurm', '--cpus-per-task', '1', '--db', dbPath], {
        // A folder with a space (as macOS's Application Support): the script's #SBATCH --output and exec must quote it.
        env: { ...cluster.env, ...gateEnv(), LATENT_STUDIO_SLURM_DIR: join(cluster.work, 'shared folder') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      // While it trains: a run still running on the cluster already has metrics in the studio's database.
      let liveRows = 0;
      for (let ended = false; !ended;) {
        ended = await Promise.race([exited.then(() => true), sleep(250).then(() => false)]);
        try {
          const db = new Database(dbPath, { readonly: true, fileMustExist: true });
          const row = db
            .prepare(
              `SELECT count(*) AS n FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.status = 'running' AND r.executor = 'slurm'`,
            )
            .get() as { n: number };
          db.close();
          liveRows = Math.max(liveRows, row.n);
        } catch {
          // Not created yet, or mid-migration.
        }
        if (liveRows > 0) gate.remove();
      }
      gate.remove();
      const code = await exited;
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/4 runs submitted to Slurm as job array \d+; batch script .*sweep\.sbatch/);
      console.log(`metrics rows of runs still running on the cluster, at most: ${liveRows}`);
      expect(liveRows).toBeGreaterThan(0);
      const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
        sweepId: number;
        runs: { id: number; params: Record<string, number>; status: string; test: Record<string, number> }[];
      };
      expect(result.runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);

      // The studio shows Slurm's ids and states, and the batch script it saved.
      const studio = studioOn(dbPath);
      try {
        const sweep = await studio.api['sweeps.get']({ sweepId: result.sweepId });
        expect(sweep.slurm?.jobId).toMatch(/^\d+$/);
        const script = readFileSync(sweep.slurm!.script, 'utf8');
        expect(script).toContain('#SBATCH --array=0-3');
        expect(script).toContain('#SBATCH --cpus-per-task=1');
        expect(script).toContain('slurm-task');
        const runs = await studio.api['runs.list']({ runIds: result.runs.map((r) => r.id) });
        for (const run of runs) {
          expect(run.slurm?.jobId).toBe(sweep.slurm?.jobId);
          expect(run.slurm?.state).toBe('COMPLETED');
        }
        // The same configs and seeds trained on this machine, same backend: the same metrics, to the last digit.
        const local = await studio.api['sweeps.create']({ spec: SweepSpec.parse(aeSweep('here', 2, parameters)) });
        await Promise.all(local.runs.map((r) => studio.orchestrator.whenEnded(r.runId!)));
        for (const [i, here] of local.runs.entries()) {
          const there = result.runs[i]!;
          expect(there.params).toEqual(here.params);
          const a = finals(await studio.api['runs.metrics']({ runId: there.id }));
          const b = finals(await studio.api['runs.metrics']({ runId: here.runId! }));
          expect(a.length).toBeGreaterThan(0);
          expect(a).toEqual(b);
        }
        console.log(`Slurm vs local, final test loss by run: ${result.runs.map((r) => r.test['loss']?.toFixed(6)).join(', ')}`);
        // Checkpoints were copied into the studio's own store: each run can be resumed or exported here.
        const detail = await studio.api['runs.get']({ runId: result.runs[0]!.id });
        expect(detail.checkpoints.length).toBeGreaterThan(0);
        expect(detail.checkpoints.every((c) => c.path.startsWith(join(tmp.dir, 'checkpoints-slurm.db')))).toBe(true);
      } finally {
        await studio.close();
      }
    },
    170_000,
  );

  it.skipIf(skip)(
    title(
      'a studio closed mid-task follows it again on reopening; scancel leaves the run interrupted; resumed here, it ends as an uninterrupted run does',
    ),
    async () => {
      const dbPath = join(tmp.dir, 'cancel.db');
      // The task's worker holds at chosen steps (20 a epoch), so the studio closes and scancel strikes mid-training.
      const gate = new WorkerGate(tmp.dir);
      gate.holdAt(50);
      let studio = studioOn(dbPath);
      try {
        const spec = SweepSpec.parse(aeSweep('to cancel', 6, { 'training.seed': { values: [3] } }));
        const created = await studio.api['sweeps.create']({ spec, slurm: { cpusPerTask: 1 } });
        const runId = created.runs[0]!.runId!;
        const waitFor = async (ok: (run: Awaited<ReturnType<Studio['api']['runs.get']>>) => boolean) => {
          for (;;) {
            const run = await studio.api['runs.get']({ runId });
            if (ok(run)) return run;
            expect(['queued', 'running']).toContain(run.status);
            await sleep(100);
          }
        };
        const newest = (run: Awaited<ReturnType<Studio['api']['runs.get']>>) =>
          run.checkpoints.reduce((e, c) => Math.max(e, c.epoch), 0);
        // The studio closes while the task is held in epoch 3: the task goes on, and the next studio follows it again.
        await gate.held(50);
        await waitFor((r) => r.status === 'running' && newest(r) === 2);
        await studio.close();
        studio = studioOn(dbPath);
        const reopened = await studio.api['runs.get']({ runId });
        expect(reopened.status).toBe('running');
        // Cancelled by hand on the cluster once the run has advanced under the new studio (held in epoch 5).
        gate.holdAt(90);
        await gate.held(90);
        await waitFor((r) => r.status === 'running' && newest(r) === 4);
        const { slurm } = await studio.api['runs.get']({ runId });
        await cluster.run('scancel', [`${slurm!.jobId}_${slurm!.taskId}`]);
        await studio.orchestrator.whenEnded(runId);
        gate.remove();
        const stopped = await studio.api['runs.get']({ runId });
        console.log(`after scancel: ${stopped.status} (${stopped.error}); Slurm state ${stopped.slurm?.state}`);
        expect(stopped.status).toBe('interrupted');
        // Why, in Slurm's words: the task's own "stopped by SIGTERM" is held until Slurm's state says CANCELLED.
        expect(stopped.error).toMatch(/Slurm says CANCELLED|ended CANCELLED/);
        expect(stopped.slurm?.state).toBe('CANCELLED');
        const { fromEpoch } = await studio.api['runs.resume']({ runId });
        expect(fromEpoch).toBe(4);
        await studio.orchestrator.whenEnded(runId);
        const resumed = await studio.api['runs.get']({ runId });
        expect(resumed.status).toBe('completed');
        // The same config uninterrupted, here: the same test curve, nothing read twice across the two studios.
        const { runId: reference } = await studio.api['runs.start']({ config: resumed.config });
        await studio.orchestrator.whenEnded(reference);
        const a = finals(await studio.api['runs.metrics']({ runId }));
        const b = finals(await studio.api['runs.metrics']({ runId: reference }));
        console.log(
          `resumed from epoch ${fromEpoch}: final test loss ${resumed.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value}`,
        );
        expect(a).toEqual(b);
      } finally {
        await studio.close();
        gate.remove();
      }
    },
    170_000,
  );
  it.skipIf(skip)(
    title('a bayes sweep with Hyperband on Slurm: each later proposal is a task of its own, and a stop is a scancel'),
    async () => {
      const dbPath = join(tmp.dir, 'adaptive.db');
      const gate = new WorkerGate(tmp.dir);
      const studio = studioOn(dbPath);
      try {
        // Seed 7 draws a good learning rate first, then a hopeless one (the two random startup trials); TPE the third.
        const spec = SweepSpec.parse({
          ...aeSweep('adaptive', 6, { 'training.learningRate': { values: [0.003, 0.000001] } }),
          method: 'bayes',
          count: 3,
          concurrency: 1,
          startup_trials: 2,
          seed: 7,
          metric: { name: 'test.loss', goal: 'minimize' },
          early_terminate: { type: 'hyperband', min_iter: 1, eta: 3 },
        });
        const { sweepId } = await studio.api['sweeps.create']({ spec, slurm: { cpusPerTask: 1 } });
        const get = () => studio.api['sweeps.get']({ sweepId: sweepId! });
        const over = (status: string | undefined) =>
          ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'].includes(status ?? '');
        // Once the first run is over, the next one is held in its second epoch (20 steps each), past its first rung.
        for (let s = await get(); !over(s.runs[0]?.status); s = await get()) await sleep(100);
        gate.holdAt(30);
        for (let s = await get(); !over(s.runs[1]?.status); s = await get()) await sleep(100);
        gate.remove();
        let done = await get();
        for (; !(done.runs.length === 3 && done.runs.every((r) => over(r.status))); done = await get()) await sleep(200);
        const listed = await studio.api['runs.list']({ runIds: done.runs.map((r) => r.runId) });
        const [first, second, third] = done.runs.map((r) => listed.find((x) => x.id === r.runId));
        console.log(`adaptive sweep on Slurm: ${done.runs.map((r) => `${JSON.stringify(r.params)} ${r.status}`).join('; ')}`);
        expect(first?.status).toBe('completed');
        expect(second?.status).toBe('stopped');
        const detail = await studio.api['runs.get']({ runId: second!.id });
        expect(detail.error).toMatch(/stopped by Hyperband at rung 0 \(epoch 1\)/);
        expect(detail.slurm?.state).toMatch(/CANCELLED/);
        // The first run went in the sweep's array; each later proposal was submitted alone, as it was made.
        expect(first?.slurm?.jobId).toBe(done.slurm?.jobId);
        expect(new Set([first, second, third].map((r) => r?.slurm?.jobId)).size).toBe(3);
        expect([first, second, third].map((r) => r?.slurm?.taskId)).toEqual([0, 1, 2]);
        expect(readFileSync(join(done.slurm!.dir, 'task-1.sbatch'), 'utf8')).toContain('#SBATCH --array=1-1');
        expect(done.rungs.find((r) => r.runId === second!.id)?.decision).toBe('stopped');
      } finally {
        await studio.close();
        gate.remove();
      }
    },
    170_000,
  );
});
