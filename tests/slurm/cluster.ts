/**
 * A real single-node Slurm cluster for integration tests, in a temporary folder: its own munged (own key
 * and socket), slurmctld and slurmd in the foreground as children of this process, on free ports, with
 * every state, spool, pid and log file under the folder. stop() ends exactly what start started (the
 * daemons by PID, job steps by a marker in their environment) and removes the folder. Nothing
 * system-wide is read or touched: no systemctl, no /etc/slurm, no /etc/munge, no default munge socket.
 *
 * Needs root (slurmd runs jobs as their submitting user) and Debian's slurmctld, slurmd, slurm-client
 * and munge (`node scripts/system-deps.mjs` installs them when it can). slurmSkipReason() says
 * synchronously why not, for it.skipIf.
 *
 * There is no slurmdbd, so plain `sacct` answers "Slurm accounting storage is disabled". Job and task
 * states come from `squeue -t all` and `scontrol show job` (for MinJobAge seconds after a job ends) and
 * from the job-completion log (JobCompType=jobcomp/filetxt, which `sacct -c` also reads): completions().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MARKER } from './marker';
import { endChild, exec, exited, freePorts, hardware, isAlive, killJobSteps, parseKeyValues, sleep } from './processes';

export { isAlive };

/** The Debian packages that provide everything used here. */
export const slurmPackages = ['slurmctld', 'slurmd', 'slurm-client', 'munge'] as const;

const daemons = ['munged', 'mungekey', 'slurmctld', 'slurmd'];
const clients = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo', 'sacct'];

/** The environment variable that marks every process this harness starts (and the job steps they start). */

export interface LocalSlurm {
  /** The temporary folder everything lives in (removed by stop()). */
  dir: string;
  /** A folder under dir for jobs to write into (same machine, so "shared"). */
  work: string;
  /** slurm.conf's path. */
  conf: string;
  /** Environment for client commands (sbatch, squeue, ...) and anything that runs them: SLURM_CONF etc. */
  env: NodeJS.ProcessEnv;
  partition: string;
  node: string;
  cpus: number;
  pids: { munged: number; slurmctld: number; slurmd: number };
  /** Runs a Slurm client command with env; rejects with its stderr on a non-zero exit. */
  run(command: string, args: string[]): Promise<string>;
  /** sbatch --parsable …; the job id (for an array, the array's job id). */
  sbatch(args: string[]): Promise<string>;
  /** State of a job or array task ("123", "123_4"), e.g. PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, FAILED; undefined once Slurm forgot it. */
  state(jobId: string): Promise<string | undefined>;
  /** `scontrol -o show job <id>` as key=value pairs; undefined once Slurm forgot it. */
  showJob(jobId: string): Promise<Record<string, string> | undefined>;
  /** Every job of this cluster still known (pending, running, or ended less than MinJobAge ago), array tasks expanded: id → state. */
  jobs(): Promise<Map<string, string>>;
  /** The job-completion log: one record per ended job or array task (JobId, ArrayJobId, ArrayTaskId, JobState, ExitCode, ...). */
  completions(): Record<string, string>[];
  /** The tail of every log this cluster wrote, for error messages (those whose name contains `first` first). */
  logs(first?: string): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** slurm.conf lines to set or override, by key (e.g. { MinJobAge: '30' }). */
  conf?: Record<string, string>;
  /** How long to wait for the node to be idle. */
  timeoutMs?: number;
  /**
   * GPUs the node declares (GRES `gpu`), so that `--gpus-per-task` is accepted. This machine has none: they stand on
   * /dev/null, which Slurm only hands out to a task (SLURM_JOB_GPUS); what it trains on is the adapter Dawn finds.
   */
  gpus?: number;
}

/** Thrown when the cluster could not start; what had been started is already stopped and the folder removed. */
export class SlurmStartError extends Error {
  constructor(
    message: string,
    readonly dir: string,
    readonly started: { name: string; pid: number }[],
  ) {
    super(message);
    this.name = 'SlurmStartError';
  }
}

function onPath(name: string): boolean {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin']);
  return dirs.some((d) => d && existsSync(join(d, name)));
}

/** Why a local Slurm cannot run here, or null when it can. Synchronous, for it.skipIf. */
export function slurmSkipReason(): string | null {
  const reason = whySlurmCannotRun();
  // CI sets this: there a skipped Slurm test is a failure, not a quiet pass.
  if (reason && process.env['LATENT_STUDIO_REQUIRE_SLURM'] === '1')
    throw new Error(`LATENT_STUDIO_REQUIRE_SLURM=1, and the Slurm tests cannot run: ${reason}`);
  return reason;
}

function whySlurmCannotRun(): string | null {
  if (process.platform !== 'linux') return `Slurm tests need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'Slurm tests need root: slurmd runs jobs as their submitting user';
  const missing = [...daemons, ...clients].filter((c) => !onPath(c));
  if (missing.length > 0)
    return `Slurm tests need ${missing.join(', ')} (Debian packages ${slurmPackages.join(' ')}; as root: node scripts/system-deps.mjs, or apt-get install -y --no-install-recommends ${slurmPackages.join(' ')})`;
  return null;
}

/**
 * Starts munged, slurmctld and slurmd in a fresh temporary folder and waits until the node is idle.
 * Returns { skipped } when slurmSkipReason() says it can't run here; throws SlurmStartError (with the logs,
 * everything it had started already stopped) when it should have but didn't.
 */
export async function startLocalSlurm(options: StartOptions = {}): Promise<LocalSlurm | { skipped: string }> {
  const skipped = slurmSkipReason();
  if (skipped) return { skipped };
  // A port taken between the check and slurmctld's bind is the one race here: try again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (e) {
      if (attempt < 3 && e instanceof SlurmStartError && /Address already in use/i.test(e.message)) continue;
      throw e;
    }
  }
}

async function startOnce(options: StartOptions): Promise<LocalSlurm> {
  const dir = mkdtempSync(join(tmpdir(), 'ls-slurm-'));
  // munged insists that every folder above its socket is executable by all, and none writable by others.
  chmodSync(dir, 0o755);
  const paths = {
    munge: join(dir, 'munge'),
    state: join(dir, 'state'),
    spool: join(dir, 'spool'),
    log: join(dir, 'log'),
    work: join(dir, 'work'),
  };
  for (const p of Object.values(paths)) mkdirSync(p, { mode: 0o755 });
  const socket = join(paths.munge, 'munge.socket');
  const key = join(paths.munge, 'munge.key');
  const conf = join(dir, 'slurm.conf');

  // Clients and daemons see only this cluster's SLURM_CONF; nothing inherited from an enclosing Slurm job.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SLURM_|SBATCH_|SQUEUE_|SACCT_|SCANCEL_|SINFO_|SRUN_|SALLOC_)/.test(k)),
  );
  const env: NodeJS.ProcessEnv = {
    ...base,
    PATH: `${process.env['PATH'] ?? ''}${delimiter}/usr/sbin${delimiter}/sbin`,
    SLURM_CONF: conf,
    [MARKER]: dir,
  };

  const children: { name: string; child: ChildProcess }[] = [];
  const logFiles: string[] = [];
  /** The tail of every log, those whose name contains `first` first. */
  const logs = (first?: string) =>
    logFiles
      .filter((f) => existsSync(f))
      .sort((a, b) => Number(first !== undefined && b.includes(first)) - Number(first !== undefined && a.includes(first)))
      .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-40).join('\n')}`)
      .join('\n');

  const launch = (name: string, command: string, args: string[]) => {
    const out = join(paths.log, `${name}.out`);
    logFiles.push(out);
    const fd = openSync(out, 'a');
    try {
      const child = spawn(command, args, { env, stdio: ['ignore', fd, fd] });
      child.on('error', () => undefined); // ENOENT etc. shows as an early exit
      children.push({ name, child });
      return child;
    } finally {
      closeSync(fd);
    }
  };

  let stopped = false;
  const stopNow = () => {
    // Synchronous last resort when this process exits without stop(): SIGKILL what is ours.
    for (const { child } of children) if (!exited(child)) child.kill('SIGKILL');
    killJobSteps(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopNow);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const byName = (n: string) => children.find((c) => c.name === n)?.child;
    const ctld = byName('slurmctld');
    // Cancel every job of this cluster while slurmctld can still do it cleanly, and wait for them to go.
    if (ctld && !exited(ctld)) {
      try {
        // %F: the array's job id (the job's own for a non-array job). Not %A: scancel answers an array
        // task's own job id with "Invalid job id specified" (and exit status 0); it takes 123 or 123_4.
        const ids = [...new Set((await exec('squeue', ['-h', '-o', '%F'], env, 5000)).split(/\s+/).filter(Boolean))];
        if (ids.length > 0) await exec('scancel', ids, env, 5000);
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(200))
          if ((await exec('squeue', ['-h', '-o', '%F'], env, 5000)).trim() === '') break;
      } catch {
        // slurmctld unresponsive: the job steps are killed below anyway
      }
    }
    const slurmd = byName('slurmd');
    if (slurmd) await endChild(slurmd, 5000);
    if (ctld) await endChild(ctld, 5000);
    // slurmstepd outlives slurmd by design (it's reparented to PID 1); kill what is left of ours.
    for (let i = 0; i < 10 && killJobSteps(dir).some(isAlive); i++) await sleep(100);
    const munged = byName('munged');
    if (munged) await endChild(munged, 3000);
    process.removeListener('exit', stopNow);
    rmSync(dir, { recursive: true, force: true });
  };

  const fail = async (why: string, culprit?: string): Promise<never> => {
    const message = `${why}\n${logs(culprit)}`;
    const started = children.map(({ name, child }) => ({ name, pid: child.pid ?? -1 }));
    await stop();
    throw new SlurmStartError(message, dir, started);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const dead = () => children.find(({ child }) => exited(child));
  const waitFor = async (what: string, ready: () => Promise<boolean>) => {
    for (;;) {
      const d = dead();
      if (d)
        return fail(
          `${d.name} exited (code ${d.child.exitCode}, signal ${d.child.signalCode}) while waiting for ${what}`,
          d.name,
        );
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) return fail(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  try {
    // munge: own key (root-owned, 0400: munged runs as root here and wants its key owned by its user, not readable by others).
    await exec('mungekey', ['--create', `--keyfile=${key}`], env);
    chmodSync(key, 0o400);
    const mungeLog = join(paths.munge, 'munged.log');
    logFiles.push(mungeLog);
    launch('munged', 'munged', [
      '--foreground',
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${join(paths.munge, 'munged.pid')}`,
      `--log-file=${mungeLog}`,
      `--seed-file=${join(paths.munge, 'munged.seed')}`,
    ]);
    await waitFor('the munge socket', async () => existsSync(socket));

    const node = hostname().split('.')[0]!;
    const hw = await hardware(env);
    const [ctldPort, slurmdPort] = await freePorts();
    const settings: Record<string, string> = {
      ClusterName: 'latentstudio',
      // name(address): the controller is this host, reached on loopback whether or not its name resolves.
      SlurmctldHost: `${node}(127.0.0.1)`,
      SlurmctldPort: String(ctldPort),
      SlurmdPort: String(slurmdPort),
      SlurmUser: 'root',
      SlurmdUser: 'root',
      AuthType: 'auth/munge',
      CredType: 'cred/munge',
      // Used by both auth/munge and cred/munge, by the daemons and by every client reading SLURM_CONF.
      AuthInfo: `socket=${socket}`,
      StateSaveLocation: paths.state,
      SlurmdSpoolDir: paths.spool,
      SlurmctldPidFile: join(dir, 'slurmctld.pid'),
      SlurmdPidFile: join(dir, 'slurmd.pid'),
      SlurmctldLogFile: join(paths.log, 'slurmctld.log'),
      SlurmdLogFile: join(paths.log, 'slurmd.log'),
      // An empty SPANK config of our own, not /etc/slurm/plugstack.conf.
      PlugStackConfig: join(dir, 'plugstack.conf'),
      // No cgroups in a container: track job processes through /proc, bind nothing.
      ProctrackType: 'proctrack/linuxproc',
      TaskPlugin: 'task/none',
      // CPUs (not whole cores or nodes) are what a job takes, so an N-CPU node runs N 1-CPU tasks at once.
      SelectType: 'select/cons_tres',
      SelectTypeParameters: 'CR_CPU',
      JobAcctGatherType: 'jobacct_gather/none',
      // No slurmdbd: sacct (without -c) says accounting is disabled; the completion log below replaces it.
      AccountingStorageType: 'accounting_storage/none',
      JobCompType: 'jobcomp/filetxt',
      JobCompLoc: join(paths.log, 'jobcomp.txt'),
      MpiDefault: 'none',
      SwitchType: 'switch/none',
      // The default /bin/mail is absent; slurmctld logs an error at every start without this.
      MailProg: '/bin/true',
      // A node that was down (an earlier slurmd of this cluster) comes back as soon as it registers.
      ReturnToService: '2',
      // Ended jobs stay visible to squeue -t all / scontrol show job this long (seconds); this is the default.
      MinJobAge: '300',
      // Seconds between SIGTERM and SIGKILL when a job is cancelled or times out (default 30).
      KillWait: '5',
      ...(options.gpus ? { GresTypes: 'gpu' } : {}),
      ...options.conf,
    };
    const lines = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
    lines.push(
      `NodeName=${node} NodeAddr=127.0.0.1 NodeHostname=${node} ${Object.entries(hw)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}${options.gpus ? ` Gres=gpu:${options.gpus}` : ''} State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    );
    writeFileSync(conf, `# written by tests/slurm/cluster.ts\n${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'plugstack.conf'), '');
    if (options.gpus) {
      writeFileSync(join(dir, 'gres.conf'), `AutoDetect=off\nName=gpu Count=${options.gpus} File=/dev/null\n`);
    }
    logFiles.push(join(paths.log, 'slurmctld.log'), join(paths.log, 'slurmd.log'));

    // -D: foreground, so the PIDs held here are the daemons'. slurmd -N: this node, whatever the hostname resolves to.
    const ctld = launch('slurmctld', 'slurmctld', ['-D', '-f', conf]);
    const slurmd = launch('slurmd', 'slurmd', ['-D', '-f', conf, '-N', node]);
    const munged = children[0]!.child;
    await waitFor(`node ${node} to be idle in sinfo`, async () => {
      const state = await exec('sinfo', ['-h', '-N', '-n', node, '-o', '%T'], env, 5000);
      return state.trim() === 'idle';
    });

    const run = (command: string, args: string[]) => exec(command, args, env);
    const showJob = async (jobId: string) => {
      try {
        const out = await run('scontrol', ['-o', 'show', 'job', jobId]);
        return parseKeyValues(out.split('\n')[0] ?? '');
      } catch (e) {
        if (/Invalid job id/i.test(String(e))) return undefined;
        throw e;
      }
    };
    return {
      dir,
      work: paths.work,
      conf,
      env,
      partition: 'debug',
      node,
      cpus: Number(hw['CPUs']),
      pids: { munged: munged.pid!, slurmctld: ctld.pid!, slurmd: slurmd.pid! },
      run,
      sbatch: async (args) => (await run('sbatch', ['--parsable', ...args])).trim().split(';')[0]!,
      showJob,
      state: async (jobId) => (await showJob(jobId))?.['JobState'],
      jobs: async () => {
        const out = await run('squeue', ['-h', '-r', '-t', 'all', '-o', '%i|%T']);
        return new Map(
          out
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split('|') as [string, string]),
        );
      },
      completions: () => {
        const file = settings['JobCompLoc']!;
        if (!existsSync(file)) return [];
        return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(parseKeyValues);
      },
      logs,
      stop,
    };
  } catch (e) {
    if (e instanceof SlurmStartError) throw e;
    return fail(`starting Slurm failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
