import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, slurmSkipReason, SlurmStartError, startLocalSlurm, type LocalSlurm } from './cluster';

const skip = slurmSkipReason();
if (skip) console.warn(`tests/slurm skipped: ${skip}`);
const title = (name: string) => (skip ? `${name} (skipped: ${skip})` : name);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, cluster: LocalSlurm, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${cluster.logs('slurmd')}`);
    await sleep(200);
  }
}

/** A job script: the array task notes when it starts (and its shell's PID), sleeps, then notes when it's done. */
function taskScript(cluster: LocalSlurm, seconds: number): string {
  const path = join(cluster.work, `task-${seconds}s.sh`);
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `out=${cluster.work}/task-$SLURM_ARRAY_JOB_ID-$SLURM_ARRAY_TASK_ID`,
      'echo $$ > $out.pid',
      'date +%s.%N > $out.start',
      // Only a sleep that ran out writes `done`: scancel may signal the sleep before the shell, which would go on.
      `sleep ${seconds} && date +%s.%N > $out.done`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

const taskFile = (cluster: LocalSlurm, job: string, task: number, what: 'pid' | 'start' | 'done') =>
  join(cluster.work, `task-${job}-${task}.${what}`);

describe('a local single-node Slurm cluster', () => {
  let cluster: LocalSlurm;

  beforeAll(async () => {
    if (skip) return;
    const started = await startLocalSlurm();
    if ('skipped' in started) throw new Error(`unexpectedly skipped: ${started.skipped}`);
    cluster = started;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it.skipIf(skip !== null)(title('runs a 4-task job array, as many 1-CPU tasks at a time as the node has CPUs'), async () => {
    const script = taskScript(cluster, 2);
    const job = await cluster.sbatch(['--array=0-3', '--cpus-per-task=1', '-o', join(cluster.work, '%A_%a.out'), script]);
    const tasks = [0, 1, 2, 3].map((t) => `${job}_${t}`);
    const states = await until(
      'the 4 tasks to end',
      async () => {
        const jobs = await cluster.jobs();
        return tasks.every((t) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(jobs.get(t) ?? '')) ? jobs : undefined;
      },
      cluster,
    );
    expect(tasks.map((t) => states.get(t))).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    for (const t of tasks) expect(await cluster.showJob(t)).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0' });

    const spans = [0, 1, 2, 3].map((t) => {
      expect(existsSync(taskFile(cluster, job, t, 'done')), `task ${t} wrote its done file`).toBe(true);
      return [0, 1].map((i) => Number(readFileSync(taskFile(cluster, job, t, i ? 'done' : 'start'), 'utf8'))) as [number, number];
    });
    // The most tasks running at one moment: at some task's start, how many spans cover it.
    const atOnce = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));
    expect(atOnce).toBe(Math.min(4, cluster.cpus));

    // The completion log has a record per task, with the array ids that sacct -c drops.
    const records = cluster.completions().filter((r) => r['ArrayJobId'] === job);
    expect(records.map((r) => [r['ArrayTaskId'], r['JobState']]).sort()).toEqual(
      [0, 1, 2, 3].map((t) => [String(t), 'COMPLETED']),
    );
  });

  let survivor = '';
  it.skipIf(skip !== null)(title('scancel of one running task ends it CANCELLED before it finishes'), async () => {
    const job = await cluster.sbatch([
      '--array=0-1',
      '--cpus-per-task=1',
      '-o',
      join(cluster.work, '%A_%a.out'),
      taskScript(cluster, 60),
    ]);
    await until(
      'both tasks to run',
      async () => {
        const jobs = await cluster.jobs();
        const running = [0, 1].every(
          (t) => jobs.get(`${job}_${t}`) === 'RUNNING' && existsSync(taskFile(cluster, job, t, 'pid')),
        );
        return running || undefined;
      },
      cluster,
    );
    const pid = Number(readFileSync(taskFile(cluster, job, 1, 'pid'), 'utf8'));
    expect(isAlive(pid)).toBe(true);

    await cluster.run('scancel', [`${job}_1`]);
    await until(
      'task 1 to be CANCELLED',
      async () => ((await cluster.state(`${job}_1`)) === 'CANCELLED' ? true : undefined),
      cluster,
    );
    await until('task 1 to stop running', async () => (isAlive(pid) ? undefined : true), cluster, 10_000);
    const shown = await cluster.showJob(`${job}_1`);
    expect(shown).toMatchObject({ JobState: 'CANCELLED', ArrayJobId: job, ArrayTaskId: '1' });
    // Ended by scancel's SIGTERM: the shell killed by signal 15 ("0:15"), or, when the signal reached its sleep
    // first (seen on a loaded machine), the shell exiting with 128 + 15 ("143:0").
    expect(shown?.['ExitCode']).toMatch(/^(0:15|143:0)$/);
    expect((await cluster.jobs()).get(`${job}_1`)).toBe('CANCELLED');
    expect(existsSync(taskFile(cluster, job, 1, 'done'))).toBe(false);
    expect(cluster.completions().find((r) => r['ArrayJobId'] === job && r['ArrayTaskId'] === '1')).toMatchObject({
      JobState: 'CANCELLED',
    });
    // sacct works only on the completion log (-c), by the task's own job id (shown.JobId), not by <array>_<task>.
    const sacct = await cluster.run('sacct', ['-c', '-n', '-P', '-o', 'jobid,state', '-j', shown!['JobId']!]);
    expect(sacct.trim()).toBe(`${shown!['JobId']}|CANCELLED`);
    await expect(cluster.run('sacct', ['-n'])).rejects.toThrow(/accounting storage is disabled/);

    // Task 0 is left running: stop() must end it.
    expect(await cluster.state(`${job}_0`)).toBe('RUNNING');
    survivor = job;
  });

  it.skipIf(skip !== null)(title('stop() ends the daemons and the jobs still running, and removes its folder'), async () => {
    const survivorPid = survivor ? Number(readFileSync(taskFile(cluster, survivor, 0, 'pid'), 'utf8')) : undefined;
    const { pids, dir } = cluster;
    expect(Object.values(pids).every(isAlive)).toBe(true);
    await cluster.stop();
    expect(Object.entries(pids).filter(([, pid]) => isAlive(pid))).toEqual([]);
    if (survivorPid !== undefined) expect(isAlive(survivorPid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(skip !== null)(
    title('starts again after a stop, and a start that fails half-way stops what it had started'),
    async () => {
      const again = await startLocalSlurm();
      if ('skipped' in again) throw new Error(again.skipped);
      try {
        const job = await again.sbatch(['-o', join(again.work, '%j.out'), '--wrap', 'echo hello']);
        await until('the job to complete', async () => ((await again.state(job)) === 'COMPLETED' ? true : undefined), again);
        expect(readFileSync(join(again.work, `${job}.out`), 'utf8')).toBe('hello\n');
      } finally {
        await again.stop();
      }
      expect(Object.values(again.pids).some(isAlive)).toBe(false);

      // slurmd cannot create its spool folder under /proc: munged and slurmctld are up by then.
      const failure = await startLocalSlurm({ conf: { SlurmdSpoolDir: '/proc/no-such-spool' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(SlurmStartError);
      const { started, dir, message } = failure as SlurmStartError;
      expect(message).toMatch(/slurmd exited/);
      expect(started.map((s) => s.name)).toEqual(['munged', 'slurmctld', 'slurmd']);
      expect(started.filter((s) => isAlive(s.pid))).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    },
  );
});
