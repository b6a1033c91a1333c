import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { defaultRunConfig, epochsInWords } from '../../families/run-config';
import type { Environment } from '../../shared/api';
import { migrate, openDb, type Db } from './db';
import { getJob, insertJob, listJobs, moveJobToFront, openJobs, queuedWork, requeueStaleJobs } from './jobs';
import { migrations } from './migrations';
import { finishRun, getRun, insertRun, interruptStaleRuns, markRunning, requeueForResume } from './runs';
import { insertCheckpoint } from './checkpoints';
import { databaseAt, insertLegacyRun } from './schema-at';
import { setRunSlurm } from './slurm-runs';
import { claimTrainJob, insertTrainJob, superviseTrainJob, trainJobHeldHere } from './train-jobs';

const env = { backend: { name: 'wasm', reason: 'test' } } as Environment;
const claim = { adopt: true, staleAfterMs: 15_000 };
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid;
const trainJobs = (db: Db, runId: number) => listJobs(db, runId, 'train');

describe('migration 15: training as jobs', () => {
  it('gives each queued or running run the training job its attempt had, and takes the columns off the runs', () => {
    const db = databaseAt(14);
    const config = defaultRunConfig('vae');
    const resume = { path: '/c/run-1/epoch-2.lsckpt', sha256: 'ab', epoch: 2, step: 20 };
    const dead = deadPid();
    const queued = insertLegacyRun(db, config, { supervisor_pid: dead, resume_from: JSON.stringify(resume) });
    const running = insertLegacyRun(db, config, { status: 'running', supervisor_pid: dead, started_at: 'then' });
    const done = insertLegacyRun(db, config, { status: 'completed', supervisor_pid: null });
    const onCluster = insertLegacyRun(db, config);
    db.prepare(`UPDATE runs SET executor = 'slurm' WHERE id = ?`).run(onCluster);
    db.prepare(
      `INSERT INTO jobs (kind, run_id, state, request_json, created_at) VALUES ('evaluate', ?, 'queued', '{}', 'x')`,
    ).run(done);

    migrate(db);

    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const columns = (db.prepare(`SELECT name FROM pragma_table_info('runs')`).all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toEqual(expect.arrayContaining(['supervisor_pid']));
    expect(columns.filter((c) => ['supervisor_host', 'heartbeat_at', 'resume_from'].includes(c))).toEqual([]);
    expect(trainJobs(db, queued)).toMatchObject([{ state: 'queued', request: { resumeFrom: resume } }]);
    expect(trainJobs(db, running)).toMatchObject([{ state: 'running', startedAt: 'then' }]);
    expect(trainJobs(db, done)).toEqual([]);
    expect(trainJobs(db, onCluster)).toMatchObject([{ state: 'queued', request: { resumeFrom: null } }]);
    // This machine's queue: the evaluation and the queued local run, not the cluster's run.
    expect(queuedWork(db).map((w) => [w.kind, w.runId])).toEqual([
      ['train', queued],
      ['evaluate', done],
    ]);
    // Their studio is dead: the queued run is adopted with its resume point, the running one is interrupted.
    const jobId = trainJobs(db, queued)[0]!.id;
    expect(claimTrainJob(db, jobId, claim)).toMatchObject({ runId: queued, resumeFrom: resume });
    expect(trainJobHeldHere(db, queued)).toBe(true);
    expect(interruptStaleRuns(db, 15_000)).toEqual([running]);
    expect(getRun(db, running)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^the studio stopped/) });
    expect(trainJobs(db, running)).toMatchObject([{ state: 'failed', result: { status: 'interrupted' } }]);
  });
});

describe('a run and its training jobs', () => {
  it('moves the open job with the run: queued, running, ended; a resume is a job of its own', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h');
    expect(trainJobs(db, runId)).toMatchObject([{ state: 'queued', request: { resumeFrom: null } }]);
    expect(trainJobHeldHere(db, runId)).toBe(true);
    markRunning(db, runId, env);
    expect(getJob(db, trainJobs(db, runId)[0]!.id)).toMatchObject({ state: 'running', startedAt: expect.any(String) });
    expect(finishRun(db, runId, 'stopped', 'stopped by Hyperband at rung 1')).toBe(true);
    expect(finishRun(db, runId, 'failed', 'late')).toBe(false);
    expect(trainJobs(db, runId)).toMatchObject([{ state: 'completed', result: { status: 'stopped' } }]);

    const from = { path: '/c/e1', sha256: 'cd', epoch: 1, step: 10 };
    requeueForResume(db, runId, defaultRunConfig('vae'), from);
    // A run already waiting is not queued twice.
    expect(() => requeueForResume(db, runId, defaultRunConfig('vae'), from)).toThrow(/is queued: it has not stopped/);
    expect(trainJobs(db, runId).map((j) => [j.state, j.request.resumeFrom])).toEqual([
      ['completed', null],
      ['queued', from],
    ]);
    expect(queuedWork(db)).toEqual([{ kind: 'train', id: trainJobs(db, runId)[1]!.id, runId }]);
    expect(finishRun(db, runId, 'cancelled', 'cancelled by the user before it started')).toBe(true);
    expect(trainJobs(db, runId)[1]).toMatchObject({ state: 'cancelled', error: 'cancelled by the user before it started' });
    expect(queuedWork(db)).toEqual([]);
  });

  it('a run has one training job not over at most, and a Slurm run is taken over only from a studio that is gone', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h');
    expect(() => insertTrainJob(db, runId, null, 3, 'local')).toThrow(/UNIQUE constraint failed/);
    setRunSlurm(db, runId, { jobId: '7', taskId: 0, state: 'RUNNING', dir: '/s', offset: 0 });
    const holdBy = (pid: number) => db.prepare(`UPDATE jobs SET supervisor_pid = ? WHERE run_id = ?`).run(pid, runId);
    holdBy(process.ppid);
    expect(superviseTrainJob(db, runId, 15_000)).toBe(false);
    expect(trainJobHeldHere(db, runId)).toBe(false);
    holdBy(deadPid());
    expect(superviseTrainJob(db, runId, 15_000)).toBe(true);
    expect(trainJobHeldHere(db, runId)).toBe(true);
  });

  it('a run sent to Slurm leaves this machine queue; its job is not claimed here', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h');
    const jobId = trainJobs(db, runId)[0]!.id;
    setRunSlurm(db, runId, { jobId: '7', taskId: 0, state: 'PENDING', dir: '/s', offset: 0 });
    expect(queuedWork(db)).toEqual([]);
    expect(claimTrainJob(db, jobId, claim)).toBeUndefined();
    expect(getJob(db, jobId)).toMatchObject({ kind: 'train', state: 'queued' });
  });

  it('a training job whose studio died interrupts its run and is never re-queued; an evaluation is', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h');
    markRunning(db, runId, env);
    const evaluation = insertJob(db, 'evaluate', runId, {});
    db.prepare(`UPDATE jobs SET state = 'running', supervisor_pid = ?`).run(deadPid());
    expect(requeueStaleJobs(db, 15_000, []).map((j) => j.id)).toEqual([evaluation]);
    expect(trainJobs(db, runId)[0]!.state).toBe('running');
    expect(interruptStaleRuns(db, 15_000, [runId])).toEqual([]);
    // Its studio last said it was alive an hour ago: the run and its job ended then, not when this studio noticed.
    const lastHeartbeat = new Date(Date.now() - 3_600_000).toISOString();
    db.prepare(`UPDATE jobs SET heartbeat_at = ? WHERE run_id = ? AND kind = 'train'`).run(lastHeartbeat, runId);
    expect(interruptStaleRuns(db, 15_000)).toEqual([runId]);
    expect(trainJobs(db, runId)[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/studio stopped/) });
    expect([getRun(db, runId)?.endedAt, getRun(db, runId)?.attempts[0]?.endedAt]).toEqual([lastHeartbeat, lastHeartbeat]);
  });
});

describe('an extension that is interrupted', () => {
  it('restarts its cycle where it began when it goes on from there, and not from a checkpoint of its own', () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('vae');
    const runId = insertRun(db, { ...config, training: { ...config.training, epochs: 50 } }, 'h');
    markRunning(db, runId, env);
    finishRun(db, runId, 'completed', null);
    // Early stopping ended it after epoch 10 of 50; given its 50 back, from the checkpoint of epoch 10.
    const at10 = { path: '/c/e10', sha256: 'ab', epoch: 10, step: 100 };
    const request = () => trainJobs(db, runId).at(-1)!.request.resumeFrom;
    requeueForResume(db, runId, { ...config, training: { ...config.training, epochs: 50 } }, at10);
    expect(request()).toEqual({ ...at10, extendedFrom: 50 });
    // Interrupted before a checkpoint of its own: it goes on from epoch 10, and its cosine restarts there again.
    markRunning(db, runId, env);
    finishRun(db, runId, 'interrupted', 'the studio stopped');
    requeueForResume(db, runId, { ...config, training: { ...config.training, epochs: 50 } }, at10);
    expect(request()).toEqual({ ...at10, extendedFrom: 50 });
    // From a checkpoint the extension wrote, it is in its own cycle (the checkpoint keeps it).
    markRunning(db, runId, env);
    finishRun(db, runId, 'interrupted', 'the studio stopped');
    const at12 = { path: '/c/e12', sha256: 'cd', epoch: 12, step: 120 };
    requeueForResume(db, runId, { ...config, training: { ...config.training, epochs: 50 } }, at12);
    expect(request()).toEqual(at12);
  });
});

describe("a run's history", () => {
  it('keeps each attempt as it ended: its backend and adapter, its Slurm task, the epochs it covered', () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('vae');
    const runId = insertRun(db, { ...config, training: { ...config.training, epochs: 4 } }, 'h');
    const adapter = {
      vendor: 'nvidia',
      architecture: 'hopper',
      device: 'H100',
      description: 'd',
      dawnBackend: 'vulkan',
      software: false,
    };
    markRunning(db, runId, { backend: { name: 'webgpu', reason: 'a GPU', adapter } } as Environment);
    const checkpoint = (epoch: number) =>
      insertCheckpoint(db, runId, { epoch, step: epoch * 10, path: `/c/e${epoch}`, sizeBytes: 1, sha256: 'ab' });
    checkpoint(1);
    checkpoint(2);
    finishRun(db, runId, 'interrupted', 'the studio stopped');
    // Resumed from epoch 1 (the checkpoint of epoch 2 goes) and extended to 6, on a cluster.
    const extended = { ...config, training: { ...config.training, epochs: 6 } };
    requeueForResume(db, runId, extended, { path: '/c/e1', sha256: 'ab', epoch: 1, step: 10 });
    setRunSlurm(db, runId, { jobId: '7', taskId: 3, state: 'RUNNING', dir: '/s', offset: 0 });
    markRunning(db, runId, env);
    const open = getRun(db, runId)!.attempts[1];
    expect(open).toMatchObject({ status: 'running', backend: 'wasm', slurm: { jobId: '7', taskId: 3 }, reachedEpoch: 1 });
    checkpoint(6);
    finishRun(db, runId, 'completed', null);
    requeueForResume(db, runId, extended, null);
    finishRun(db, runId, 'cancelled', 'cancelled by the user before it started');

    const attempts = getRun(db, runId)!.attempts;
    expect(attempts.map((a) => [a.status, a.fromEpoch, a.toEpoch, a.reachedEpoch, a.backend, a.adapter?.device ?? null])).toEqual(
      [
        ['interrupted', 0, 4, 2, 'webgpu', 'H100'],
        ['completed', 1, 6, 6, 'wasm', null],
        ['cancelled', 0, 6, null, null, null],
      ],
    );
    expect(attempts.map((a) => [a.executor, a.slurm?.jobId ?? null, a.host])).toEqual([
      ['local', null, hostname()],
      ['slurm', '7', hostname()],
      ['local', null, hostname()],
    ]);
    expect(attempts[0]).toMatchObject({
      error: 'the studio stopped',
      startedAt: expect.any(String),
      endedAt: expect.any(String),
    });
    expect(attempts[2]).toMatchObject({ error: 'cancelled by the user before it started', startedAt: null });
    expect(attempts.map((a) => a.recorded)).toEqual([true, true, true]);
    // A job that ended before the studio kept these says how it ended and no more.
    db.prepare(`UPDATE jobs SET result_json = '{"status":"interrupted"}' WHERE id = ?`).run(attempts[0]!.id);
    expect(getRun(db, runId)!.attempts[0]).toMatchObject({
      recorded: false,
      status: 'interrupted',
      backend: null,
      reachedEpoch: null,
    });
  });
});

describe('a phased family’s epochs', () => {
  it('counts its pretraining in the history and the queue, as its curves and checkpoints do', () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('deep-clustering');
    if (config.family !== 'deep-clustering') throw new Error('unreachable');
    const dec = { ...config, model: { ...config.model, pretrainEpochs: 5 }, training: { ...config.training, epochs: 5 } };
    const runId = insertRun(db, dec, 'h');
    expect(openJobs(db).map((j) => [j.runEpochs, j.runPretraining])).toEqual([[10, 5]]);
    markRunning(db, runId, env);
    insertCheckpoint(db, runId, { epoch: 10, step: 100, path: '/c/e10', sizeBytes: 1, sha256: 'ab' });
    finishRun(db, runId, 'completed', null);
    expect(getRun(db, runId)!.attempts.map((a) => [a.fromEpoch, a.toEpoch, a.reachedEpoch])).toEqual([[0, 10, 10]]);
    expect(epochsInWords(dec, dec.training.epochs)).toBe('10 epochs: 5 pretraining + 5');
    expect(epochsInWords(defaultRunConfig('vae'), 1)).toBe('1 epoch');
  });
});

describe('the queue', () => {
  it('starts what was moved to its front next, then the rest first asked first', () => {
    const db = openDb(':memory:');
    const [a, b, c] = [1, 2, 3].map((seed) => insertRun(db, { ...defaultRunConfig('vae'), name: `r${seed}` }, 'h'));
    const evaluation = insertJob(db, 'evaluate', a!, {});
    const order = () => queuedWork(db).map((w) => (w.kind === 'train' ? w.runId : -w.id));
    expect(order()).toEqual([a, b, c, -evaluation]);
    const jobOf = (runId: number) => trainJobs(db, runId)[0]!.id;
    expect(moveJobToFront(db, jobOf(c!))).toBe(true);
    expect(moveJobToFront(db, evaluation)).toBe(true);
    expect(order()).toEqual([-evaluation, c, a, b]);
    markRunning(db, a!, env);
    expect(moveJobToFront(db, jobOf(a!))).toBe(false);
    expect(order()).toEqual([-evaluation, c, b]);
  });
});
