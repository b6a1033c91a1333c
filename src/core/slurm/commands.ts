/**
 * The Slurm commands the studio runs on the machine it runs on (a login node, or a desktop that has the cluster's
 * client tools and config): sbatch, squeue, sacct and scancel, with their output parsed. Nothing here schedules.
 */
import { execFile } from 'node:child_process';

export class SlurmCommandError extends Error {}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new SlurmCommandError(
            missing
              ? `${command} is not installed here: the studio submits with Slurm's own client tools (sbatch, squeue, scancel)`
              : `${command} ${args.join(' ')} failed: ${(stderr || error.message).trim()}`,
          ),
        );
      } else resolve(stdout);
    });
  });
}

/** Task states after which a task runs no more (squeue's long names). */
export const endedStates = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'SPECIAL_EXIT',
  'REVOKED',
]);

/** A task as squeue lists it: its state, and why it waits (squeue's %r) while it is PENDING. */
export interface TaskState {
  state: string;
  reason?: string;
}

export interface SlurmCommands {
  /** Submits a batch script; answers the job id. */
  sbatch(scriptPath: string): Promise<string>;
  /** Every task of these array jobs that Slurm still knows (ended ones too, until they age out): `A_T` → state. */
  taskStates(jobIds: readonly string[]): Promise<Map<string, TaskState>>;
  /**
   * How tasks squeue no longer lists ended, from Slurm's accounting (sacct): `A_T` → state, for those it knows.
   * Refused (SlurmCommandError) where the cluster keeps no accounting; absent from stand-ins for tests.
   */
  finalStates?(taskIds: readonly string[]): Promise<Map<string, TaskState>>;
  /** Cancels tasks (`A_T`) or whole jobs, all in one call. */
  scancel(ids: readonly string[]): Promise<void>;
}

/** sacct's answer that this cluster keeps no accounting (its AccountingStorageType is none), or that it is missing. */
export const noAccounting = (e: unknown): boolean =>
  e instanceof SlurmCommandError && /accounting storage is disabled|is not installed/i.test(e.message);

export function slurmCommands(env: NodeJS.ProcessEnv = process.env): SlurmCommands {
  return {
    async sbatch(scriptPath) {
      const out = await run('sbatch', ['--parsable', scriptPath], env);
      // --parsable prints "jobid" or "jobid;cluster".
      const id = out.trim().split(';')[0] ?? '';
      if (!/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch answered "${out.trim()}", not a job id`);
      return id;
    },
    async taskStates(jobIds) {
      const states = new Map<string, TaskState>();
      if (jobIds.length === 0) return states;
      let out: string;
      try {
        out = await run('squeue', ['-h', '-r', '-t', 'all', '-j', jobIds.join(','), '-o', '%i|%T|%r'], env);
      } catch (e) {
        // squeue refuses the whole query once every job named has aged out of the controller.
        if (e instanceof SlurmCommandError && /Invalid job id/i.test(e.message)) return states;
        throw e;
      }
      for (const line of out.split('\n')) {
        const [id, state, reason] = line.trim().split('|');
        if (!id || !state) continue;
        // A reason only while the task waits (a running task's %r is "None", an ended one's its last reason).
        const waiting = state === 'PENDING' && reason && reason !== 'None';
        states.set(id, waiting ? { state, reason } : { state });
      }
      return states;
    },
    async finalStates(taskIds) {
      const states = new Map<string, TaskState>();
      if (taskIds.length === 0) return states;
      // One line a task (-X: not its steps), "A_T|STATE"; a cancelled one's state reads "CANCELLED by <uid>".
      const out = await run('sacct', ['-n', '-P', '-X', '-j', taskIds.join(','), '-o', 'JobID,State'], env);
      for (const line of out.split('\n')) {
        const [id, state] = line.trim().split('|');
        const name = state?.split(' ')[0];
        if (id && name && taskIds.includes(id)) states.set(id, { state: name });
      }
      return states;
    },
    async scancel(ids) {
      await run('scancel', [...ids], env);
    },
  };
}
