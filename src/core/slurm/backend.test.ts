import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventHub } from '../events';
import { Orchestrator } from '../training/orchestrator';
import { defaultRunConfig } from '../../families/run-config';
import { insertArtifact } from '../store/artifacts';
import { openDb } from '../store/db';
import { getRun, getRunSlurm, insertRun, setRunSlurm } from '../store/runs';
import { ingestTask, SlurmTaskHandle } from './backend';
import type { FromWorker } from '../training/protocol';
import { batchScript, localTaskCommand } from './script';
import { encodeEntry, taskFiles } from './event-log';

const script = (command: ReturnType<typeof localTaskCommand>) =>
  batchScript({ sweepName: 's', sweepId: 1, sweepDir: '/shared/sweep-1', tasks: 2, options: { cpusPerTask: 1 }, command });

describe('the command a Slurm task runs', () => {
  it("is this process's Node under Node, run as it is", () => {
    const command = localTaskCommand('/studio/bin/latent-studio.mjs', { execPath: '/usr/bin/node', versions: {}, env: {} });
    expect(command).toEqual({ node: '/usr/bin/node', cli: '/studio/bin/latent-studio.mjs' });
    expect(script(command)).not.toContain('export ');
    expect(script(command).trimEnd().split('\n').at(-1)).toBe(
      "exec '/usr/bin/node' '/studio/bin/latent-studio.mjs' slurm-task '/shared/sweep-1'",
    );
  });

  it("is Electron's binary run as plain Node in the desktop app, which would otherwise start the app on the node", () => {
    const command = localTaskCommand('/studio/bin/latent-studio.mjs', {
      execPath: '/studio/node_modules/electron/dist/electron',
      versions: { electron: '39.2.0' },
      env: {},
    });
    const lines = script(command).trimEnd().split('\n');
    expect(lines.at(-2)).toBe("export ELECTRON_RUN_AS_NODE='1'");
    expect(lines.at(-1)).toMatch(/^exec '\/studio\/node_modules\/electron\/dist\/electron' /);
  });

  it("writes the log's path as sbatch reads it: % doubled, spaces quoted, and refuses a quote or a #", () => {
    const command = localTaskCommand('/cli.mjs', { execPath: '/usr/bin/node', versions: {}, env: {} });
    const output = (sweepDir: string) =>
      batchScript({ sweepName: 's', sweepId: 1, sweepDir, tasks: 1, options: { cpusPerTask: 1 }, command })
        .split('\n')
        .find((l) => l.startsWith('#SBATCH --output='));
    expect(output('/shared/50%/sweep-1')).toBe('#SBATCH --output=/shared/50%%/sweep-1/task-%a/slurm.log');
    expect(output('/shared/my runs/sweep-1')).toBe('#SBATCH --output="/shared/my runs/sweep-1/task-%a/slurm.log"');
    for (const odd of ["/shared/o'brien/sweep-1", '/shared/run#2/sweep-1', '/shared/a"b/sweep-1'])
      expect(() => output(odd), odd).toThrow(/which an #SBATCH line cannot hold: choose another folder/);
  });

  it('is LATENT_STUDIO_NODE where it is set, in the app too', () => {
    const command = localTaskCommand('/cli.mjs', {
      execPath: '/app/electron',
      versions: { electron: '39.2.0' },
      env: { LATENT_STUDIO_NODE: '/cluster/node-22/bin/node' },
    });
    expect(command).toEqual({ node: '/cluster/node-22/bin/node', cli: '/cli.mjs' });
  });
});

describe('why a Slurm task ended before its run', () => {
  let dir: string;
  let ended: { description: string; clean: boolean }[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latent-studio-slurm-task-'));
    ended = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  let warnings: string[];
  const handle = () => {
    warnings = [];
    const h = new SlurmTaskHandle(
      7,
      { jobId: '42', taskId: 3, state: 'RUNNING', dir, offset: 0 },
      { checkpointDir: dir, scancel: () => Promise.resolve(), onError: (m) => warnings.push(m) },
    );
    h.onExit((description, clean) => ended.push({ description, clean }));
    return h;
  };

  it("says what Slurm's state means and quotes the end of the task's log where the node's error is", () => {
    writeFileSync(join(dir, taskFiles.log), 'starting\n/usr/bin/node: cannot open /shared/bin/latent-studio.mjs\n');
    const h = handle();
    for (let i = 0; i < 3; i++) h.poll({ state: 'FAILED' });
    expect(ended).toHaveLength(1);
    expect(ended[0]?.clean).toBe(false);
    expect(ended[0]?.description).toContain('the Slurm task 42_3 ended FAILED before its run did: it exited with an error');
    expect(ended[0]?.description).toContain(
      `The end of its log (${join(dir, taskFiles.log)}): starting | /usr/bin/node: cannot open`,
    );
  });

  it('says a task squeue never listed is not known to Slurm, and one a studio saw running is no longer known', () => {
    const pending = new SlurmTaskHandle(
      7,
      { jobId: '42', taskId: 4, state: 'PENDING', dir, offset: 0 },
      { checkpointDir: dir, scancel: () => Promise.resolve(), onError: () => undefined },
    );
    pending.onExit((description, clean) => ended.push({ description, clean }));
    for (let i = 0; i < 3; i++) pending.poll(undefined);
    const h = handle();
    for (let i = 0; i < 3; i++) h.poll(undefined);
    expect(ended.map((e) => e.description)).toEqual([
      'the Slurm task 42_4 is not known to Slurm',
      'the Slurm task 42_3 is no longer known to Slurm, and its log has no end (last state RUNNING)',
    ]);
  });

  it("waits a minute for a COMPLETED task's last lines (a shared folder may show them late), and reads them then", () => {
    let now = 0;
    const h = new SlurmTaskHandle(
      7,
      { jobId: '42', taskId: 3, state: 'RUNNING', dir, offset: 0 },
      { checkpointDir: dir, scancel: () => Promise.resolve(), onError: () => undefined, now: () => now },
    );
    h.onExit((description, clean) => ended.push({ description, clean }));
    for (let i = 0; i < 5; i++, now += 5_000) h.poll({ state: 'COMPLETED' });
    expect(ended).toEqual([]);
    appendFileSync(join(dir, taskFiles.events), encodeEntry({ type: 'task-exit', description: 'completed', clean: true }));
    h.poll({ state: 'COMPLETED' });
    expect(ended).toEqual([{ description: 'completed', clean: true }]);
    // Without them after a minute, it ends as Slurm says.
    rmSync(join(dir, taskFiles.events));
    ended = [];
    now = 0;
    const late = new SlurmTaskHandle(
      8,
      { jobId: '42', taskId: 4, state: 'RUNNING', dir, offset: 0 },
      { checkpointDir: dir, scancel: () => Promise.resolve(), onError: () => undefined, now: () => now },
    );
    late.onExit((description, clean) => ended.push({ description, clean }));
    for (let i = 0; i < 3; i++) late.poll({ state: 'COMPLETED' });
    expect(ended).toEqual([]);
    now = 60_000;
    late.poll({ state: 'COMPLETED' });
    expect(ended).toEqual([{ description: expect.stringContaining('ended COMPLETED before its run did'), clean: false }]);
  });

  it('reads a backlog to its end before it judges the task ended (a studio reopened behind a long log)', () => {
    const metrics = (step: number) =>
      encodeEntry({ type: 'metrics', points: [{ step, epoch: step, split: 'test', name: 'loss', value: 1 }] });
    appendFileSync(join(dir, taskFiles.events), Array.from({ length: 40 }, (_, i) => metrics(i + 1)).join(''));
    const h = handle();
    const read: FromWorker[] = [];
    h.onMessage((m) => read.push(m));
    // Reads of one line at a time: 40 polls of a FAILED task, and it has not ended before its log was read.
    const poll = () => h.poll({ state: 'FAILED' }, Buffer.byteLength(metrics(10)));
    for (let i = 0; i < 39; i++) poll();
    expect([read.length, ended.length]).toEqual([39, 0]);
    for (let i = 0; i < 4; i++) poll();
    expect(read).toHaveLength(40);
    expect(ended).toHaveLength(1);
  });

  it('says where no log came back: the node may not see the shared folder', () => {
    const h = handle();
    for (let i = 0; i < 3; i++) h.poll({ state: 'FAILED' });
    expect(ended[0]?.description).toMatch(/Its log .*slurm\.log is empty or missing: can the node write to the shared folder\?/);
  });

  it("holds a task's own word that Slurm stopped it until Slurm's state says why (a time limit here)", () => {
    appendFileSync(
      join(dir, taskFiles.events),
      encodeEntry({ type: 'task-exit', description: 'the Slurm task was stopped (SIGTERM)', clean: false, signal: 'SIGTERM' }),
    );
    const h = handle();
    h.poll({ state: 'COMPLETING' });
    expect(ended).toEqual([]);
    h.poll({ state: 'TIMEOUT' });
    expect(ended).toEqual([
      {
        description:
          'the Slurm task was stopped (SIGTERM); Slurm says TIMEOUT: it hit its time limit (raise "Time limit", or resume the run from its checkpoint)',
        clean: false,
      },
    ]);
    expect(h.record.state).toBe('TIMEOUT');
  });

  it('saves, while it holds that word, the position before it: a studio reopened meanwhile reads it again', () => {
    const metrics = encodeEntry({ type: 'metrics', points: [{ step: 1, epoch: 1, split: 'test', name: 'loss', value: 1 }] });
    const exit = encodeEntry({ type: 'task-exit', description: 'stopped (SIGTERM)', clean: false, signal: 'SIGTERM' });
    appendFileSync(join(dir, taskFiles.events), metrics + exit);
    const first = handle();
    first.poll({ state: 'COMPLETING' });
    expect(ended).toEqual([]);
    expect(first.record.offset).toBe(Buffer.byteLength(metrics));
    // The next studio, from the saved record: it reads the held line again, and ends with Slurm's reason.
    const next = new SlurmTaskHandle(
      7,
      { ...first.record },
      { checkpointDir: dir, scancel: () => Promise.resolve(), onError: () => undefined },
    );
    const endings: string[] = [];
    next.onExit((description) => endings.push(description));
    next.poll({ state: 'PREEMPTED' });
    expect(endings).toEqual(['stopped (SIGTERM); Slurm says PREEMPTED: a job of higher priority preempted it']);
  });

  it('keeps why a pending task waits, and warns once where it waits for ever', () => {
    const h = handle();
    h.poll({ state: 'PENDING', reason: 'Priority' });
    expect(h.record).toMatchObject({ state: 'PENDING', reason: 'Priority' });
    expect(warnings).toEqual([]);
    h.poll({ state: 'PENDING', reason: 'PartitionTimeLimit' });
    h.poll({ state: 'PENDING', reason: 'PartitionTimeLimit' });
    expect(warnings).toEqual([
      "the Slurm task 42_3 waits for ever (PartitionTimeLimit): its time limit is above the partition's MaxTime: cancel and send it again with a shorter one",
    ]);
    h.poll({ state: 'RUNNING' });
    expect(h.record.state).toBe('RUNNING');
    expect(h.record.reason).toBeUndefined();
    expect(ended).toEqual([]);
  });

  it("holds an unclean end without a signal too: Slurm's state says when it ran out of memory", () => {
    const exit = (description: string) => encodeEntry({ type: 'task-exit', description, clean: false });
    appendFileSync(join(dir, taskFiles.events), exit('the worker was killed (SIGKILL)'));
    const h = handle();
    h.poll({ state: 'RUNNING' });
    expect(ended).toEqual([]);
    h.poll({ state: 'OUT_OF_MEMORY' });
    expect(ended).toEqual([
      {
        description:
          'the worker was killed (SIGKILL); Slurm says OUT_OF_MEMORY: it ran out of memory (ask for more with --mem in the extra options)',
        clean: false,
      },
    ]);
    // A worker that failed by itself: FAILED adds nothing to its own word (its meaning is a node's error before it).
    rmSync(join(dir, taskFiles.events));
    appendFileSync(join(dir, taskFiles.events), exit('the worker exited with code 1'));
    ended = [];
    handle().poll({ state: 'FAILED' });
    expect(ended).toEqual([{ description: 'the worker exited with code 1', clean: false }]);
  });

  it('ends at once on a clean last word', () => {
    appendFileSync(join(dir, taskFiles.events), encodeEntry({ type: 'task-exit', description: 'completed', clean: true }));
    handle().poll({ state: 'RUNNING' });
    expect(ended).toEqual([{ description: 'completed', clean: true }]);
  });
});

describe("a task's checkpoints", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'latent-studio-slurm-checkpoints-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("are moved into the studio's store, so that the run's policy prunes the only copy; a line read again finds it there", () => {
    const written = join(dir, 'task-0', 'checkpoints', 'epoch-1.ckpt');
    mkdirSync(dirname(written), { recursive: true });
    writeFileSync(written, 'weights');
    const checkpoint = {
      epoch: 1,
      step: 4,
      path: written,
      sizeBytes: 7,
      sha256: createHash('sha256').update('weights').digest('hex'),
    };
    appendFileSync(join(dir, taskFiles.events), encodeEntry({ type: 'checkpoint', checkpoint }));
    const store = join(dir, 'studio');
    const follow = () => {
      const warnings: string[] = [];
      const got: string[] = [];
      const h = new SlurmTaskHandle(
        7,
        { jobId: '42', taskId: 0, state: 'RUNNING', dir, offset: 0 },
        { checkpointDir: store, scancel: () => Promise.resolve(), onError: (m) => warnings.push(m) },
      );
      h.onMessage((m) => void (m.type === 'checkpoint' && got.push(m.checkpoint.path)));
      h.poll({ state: 'RUNNING' });
      return { got, warnings };
    };
    const adopted = join(store, 'run-7', 'epoch-1.ckpt');
    expect(follow()).toEqual({ got: [adopted], warnings: [] });
    expect([existsSync(written), readFileSync(adopted, 'utf8')]).toEqual([false, 'weights']);
    expect(follow()).toEqual({ got: [adopted], warnings: [] });
  });

  it("are used all the same where the cluster's copies cannot be removed (a read-only mount), which is said once", () => {
    const checkpoints = [1, 2].map((epoch) => {
      const path = join(dir, 'task-0', 'checkpoints', `epoch-${epoch}.ckpt`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `weights ${epoch}`);
      const sha256 = createHash('sha256').update(`weights ${epoch}`).digest('hex');
      appendFileSync(
        join(dir, taskFiles.events),
        encodeEntry({ type: 'checkpoint', checkpoint: { epoch, step: 4 * epoch, path, sizeBytes: 9, sha256 } }),
      );
      return path;
    });
    const warnings: string[] = [];
    const got: number[] = [];
    const h = new SlurmTaskHandle(
      7,
      { jobId: '42', taskId: 0, state: 'RUNNING', dir, offset: 0 },
      {
        checkpointDir: join(dir, 'studio'),
        scancel: () => Promise.resolve(),
        onError: (m) => warnings.push(m),
        remove: () => {
          throw new Error('EROFS: read-only file system');
        },
      },
    );
    h.onMessage((m) => void (m.type === 'checkpoint' && got.push(m.checkpoint.epoch)));
    h.poll({ state: 'RUNNING' });
    expect(got).toEqual([1, 2]);
    expect(checkpoints.every((p) => existsSync(p))).toBe(true);
    expect(warnings).toEqual([
      `the cluster's copies of this run's checkpoints cannot be removed (EROFS: read-only file system): they stay in ${join(dir, 'task-0', 'checkpoints')}`,
    ]);
  });
});

describe("a task's poll, stored", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'latent-studio-slurm-ingest-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('through the orchestrator: a message it cannot store is read again, by the run followed anew, not skipped', async () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('vae');
    const runId = insertRun(db, config, 'h', 'slurm');
    setRunSlurm(db, runId, { jobId: '42', taskId: 0, state: 'RUNNING', dir, offset: 0 });
    const orchestrator = new Orchestrator(
      db,
      () => {
        throw new Error('no local worker here');
      },
      new EventHub(),
      { checkpointDir: dir, studioVersion: 'test', datasets: { root: dir }, adoptQueued: false },
    );
    const artifact = { kind: 'samples', epoch: 1, step: 5, caption: 'samples', mime: 'image/png', width: 1, height: 1 };
    appendFileSync(
      join(dir, taskFiles.events),
      encodeEntry({ type: 'artifact', artifact: { ...artifact, data: new Uint8Array([1]) } }),
    );
    const follow = () => {
      const handle = new SlurmTaskHandle(runId, getRunSlurm(db, runId).record!, {
        checkpointDir: dir,
        scancel: () => Promise.resolve(),
        onError: () => undefined,
      });
      orchestrator.attachRemote(runId, config, 'h', handle);
      return handle;
    };
    const o = { flushRun: (id: number) => orchestrator.flushRun(id), forget: (id: number) => orchestrator.forgetRemote(id) };
    const artifacts = () => (db.prepare('SELECT count(*) AS n FROM artifacts').get() as { n: number }).n;
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // The artifact cannot be stored (as a database locked past its timeout): the poll stores nothing, the run is dropped.
      db.exec(`CREATE TRIGGER busy BEFORE INSERT ON artifacts BEGIN SELECT RAISE(ABORT, 'database is locked'); END`);
      const first = follow();
      ingestTask(db, first, { state: 'RUNNING' }, o);
      expect([artifacts(), getRunSlurm(db, runId).record?.offset, first.over, orchestrator.activeRunIds]).toEqual([
        0,
        0,
        true,
        [],
      ]);
      db.exec('DROP TRIGGER busy');
      // Followed anew (as the backend's next look for runs nobody follows does), it stores the artifact once.
      ingestTask(db, follow(), { state: 'RUNNING' }, o);
      expect(artifacts()).toBe(1);
    } finally {
      quiet.mockRestore();
      await orchestrator.shutdown();
    }
  });

  it('commits what it read with the position after it: a studio killed between them stores no artifact twice', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h', 'slurm');
    const record = { jobId: '42', taskId: 0, state: 'RUNNING', dir, offset: 0 };
    setRunSlurm(db, runId, record);
    const artifact = { kind: 'samples', epoch: 1, step: 5, caption: 'samples', mime: 'image/png', width: 1, height: 1 };
    appendFileSync(
      join(dir, taskFiles.events),
      encodeEntry({ type: 'artifact', artifact: { ...artifact, data: new Uint8Array([1]) } }),
    );
    const follow = () => {
      const h = new SlurmTaskHandle(runId, getRunSlurm(db, runId).record!, {
        checkpointDir: dir,
        scancel: () => Promise.resolve(),
        onError: () => undefined,
      });
      h.onMessage((m) => void (m.type === 'artifact' && insertArtifact(db, runId, m.artifact)));
      return h;
    };
    const artifacts = () => (db.prepare('SELECT count(*) AS n FROM artifacts').get() as { n: number }).n;
    // The position's write fails (as a kill at that moment would leave it): nothing of the poll is kept, and the run
    // is dropped, to be followed again from its stored position.
    db.exec(`CREATE TRIGGER killed BEFORE UPDATE OF slurm_json ON runs BEGIN SELECT RAISE(ABORT, 'killed'); END`);
    const first = follow();
    const forgotten: number[] = [];
    const o = { flushRun: () => undefined, forget: (id: number) => void forgotten.push(id) };
    ingestTask(db, first, { state: 'RUNNING' }, o);
    expect([artifacts(), getRunSlurm(db, runId).record?.offset, first.over, forgotten]).toEqual([0, 0, true, [runId]]);
    expect(getRun(db, runId)?.warnings).toEqual([
      'its Slurm log could not be read or stored (killed): it is read again from where it was last stored',
    ]);
    db.exec('DROP TRIGGER killed');
    // Followed again (or by the next studio), it reads the line again from the stored position, and stores it once.
    ingestTask(db, follow(), { state: 'RUNNING' }, o);
    expect(artifacts()).toBe(1);
    ingestTask(db, follow(), { state: 'RUNNING' }, o);
    expect(artifacts()).toBe(1);
    // A message that cannot be stored (the database busy past its timeout) is not skipped: the poll is read again.
    appendFileSync(
      join(dir, taskFiles.events),
      encodeEntry({ type: 'artifact', artifact: { ...artifact, step: 10, data: new Uint8Array([2]) } }),
    );
    const busy = follow();
    busy.onMessage(() => {
      throw new Error('database is locked');
    });
    ingestTask(db, busy, { state: 'RUNNING' }, o);
    expect([artifacts(), busy.over, forgotten]).toEqual([1, true, [runId, runId]]);
    ingestTask(db, follow(), { state: 'RUNNING' }, o);
    expect(artifacts()).toBe(2);
  });
});
