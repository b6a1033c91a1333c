import { z } from 'zod';

/** A Slurm time limit as sbatch takes it: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
const timePattern = /^(\d+-)?\d{1,3}(:\d{2}){0,2}$/;
/** One sbatch option as `--name` or `--name=value`, value free of spaces, quotes and shell characters. */
const extraOption = /^--[a-z][a-z0-9-]*(=[A-Za-z0-9_.,:@%/+=-]+)?$/;

/**
 * sbatch options that `extra` may not give, with why: the studio writes them itself (a second value would override
 * its own: `--requeue` mixes a second attempt into the task's log, `--clusters` sends the job where squeue and
 * scancel do not look), or a field of the form sets them.
 */
const ownedOptions: Record<string, string> = {
  array: 'the studio writes the array from the sweep (set "At most at once" for its %N)',
  ntasks: 'each task is one process',
  requeue: 'a requeued task would write a second attempt into the same log; the studio resumes from a checkpoint instead',
  'no-requeue': 'the studio writes it already',
  output: "the studio sends each task's output to its own folder",
  error: "the studio sends each task's output to its own folder",
  'job-name': 'the studio names the job after the sweep',
  parsable: 'the studio reads the job id itself',
  wrap: 'the studio writes the batch script',
  clusters: 'the studio follows the job on the default cluster only (squeue and scancel without -M)',
  cluster: 'the studio follows the job on the default cluster only (squeue and scancel without -M)',
  'cpus-per-task': 'set it in the "CPUs per task" field',
  partition: 'set it in the "Partition" field',
  time: 'set it in the "Time limit" field',
  'gpus-per-task': 'set it in the "GPUs per task" field',
  account: 'set it in the "Account" field',
};

/** sbatch options whose whole name begins another's that the studio owns: getopt_long takes an exact name first. */
const optionsNamedAsPrefixes = new Set(['gpus']);

/**
 * Why `extra` may not give this `--name[=value]`, or undefined where it may. sbatch reads its options with
 * getopt_long, which takes any unambiguous beginning of a name (`--requ` for `--requeue`, `--outp=…`): those are
 * refused too.
 */
export function ownedOptionReason(option: string): string | undefined {
  const name = /^--([a-z][a-z0-9-]*)/.exec(option)?.[1];
  if (name === undefined) return undefined;
  if (Object.hasOwn(ownedOptions, name)) return ownedOptions[name];
  if (optionsNamedAsPrefixes.has(name)) return undefined;
  const owned = Object.keys(ownedOptions).find((o) => o.startsWith(name));
  return owned === undefined ? undefined : `sbatch reads it as --${owned} (${ownedOptions[owned]})`;
}

/**
 * How a sweep goes to a Slurm cluster as one job array (`sbatch --array`): the options every task gets. The
 * studio never runs a scheduler of its own on a cluster; these are sbatch's own options.
 */
export const SlurmOptions = z.strictObject({
  partition: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a partition name: letters, digits, ".", "_" or "-"')
    .optional()
    .meta({ label: 'Partition', help: 'sbatch --partition; the cluster default when empty.' }),
  time: z
    .string()
    .regex(timePattern, 'a Slurm time limit such as 30, 2:00:00 or 1-12:00:00')
    .optional()
    .meta({ label: 'Time limit', help: 'sbatch --time per task (HH:MM:SS); the partition default when empty.' }),
  cpusPerTask: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(1)
    .meta({ label: 'CPUs per task', help: 'sbatch --cpus-per-task; the worker trains on as many threads.' }),
  gpusPerTask: z
    .number()
    .int()
    .min(0)
    .max(16)
    .optional()
    .meta({ label: 'GPUs per task', help: 'sbatch --gpus-per-task; none when empty.' }),
  account: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an account name: letters, digits, ".", "_" or "-"')
    .optional()
    .meta({ label: 'Account', help: 'sbatch --account; your default account when empty.' }),
  /** More sbatch options, e.g. "--qos=normal --constraint=a100"; each one `--name` or `--name=value`. */
  extra: z
    .string()
    .max(500)
    .refine(
      (s) =>
        s.trim() === '' ||
        s
          .trim()
          .split(/\s+/)
          .every((o) => extraOption.test(o)),
      'each extra option must be --name or --name=value, without spaces, quotes or shell characters',
    )
    .superRefine((s, ctx) => {
      for (const option of s.trim() === '' ? [] : s.trim().split(/\s+/)) {
        const why = ownedOptionReason(option);
        if (why) ctx.addIssue({ code: 'custom', message: `${option.split('=')[0]} is not an extra option here: ${why}` });
      }
    })
    .optional()
    .meta({ label: 'Extra sbatch options', help: 'e.g. --qos=normal --constraint=a100' }),
  /** At most this many tasks of the array at once (sbatch --array=0-N%K). */
  maxParallel: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .optional()
    .meta({ label: 'At most at once', help: 'how many tasks may run at once (the %N of --array); no limit when empty.' }),
});
export type SlurmOptions = z.infer<typeof SlurmOptions>;
export type SlurmOptionsInput = z.input<typeof SlurmOptions>;

/**
 * The sbatch options of a sweep's array of `tasks` tasks (numbered from `first`: an adaptive sweep submits each later
 * proposal as a task of its own), as its batch script lists them (`#SBATCH` lines): those
 * the studio sets, then the user's extra ones. The job name and the log path, which name the sweep, are the script's.
 */
export function sbatchDirectives(options: SlurmOptions, tasks: number, first = 0): { options: string[]; extra: string[] } {
  return {
    options: [
      `--array=${first}-${first + tasks - 1}${options.maxParallel ? `%${options.maxParallel}` : ''}`,
      '--ntasks=1',
      // A task Slurm requeued (a node failed) would append a second attempt to the same event log, its curves and
      // checkpoints mixed with the first's: it ends instead, and the run is resumed from its checkpoint.
      '--no-requeue',
      `--cpus-per-task=${options.cpusPerTask}`,
      ...(options.partition ? [`--partition=${options.partition}`] : []),
      ...(options.time ? [`--time=${options.time}`] : []),
      ...(options.gpusPerTask ? [`--gpus-per-task=${options.gpusPerTask}`] : []),
      ...(options.account ? [`--account=${options.account}`] : []),
    ],
    extra: options.extra?.trim() ? options.extra.trim().split(/\s+/) : [],
  };
}

/** Where a sweep's array is on the cluster, as the studio shows it. */
export const SlurmSweepInfo = z.object({
  jobId: z.string(),
  /** The shared folder of the sweep: the batch script, and a folder per task. */
  dir: z.string(),
  script: z.string(),
  options: SlurmOptions,
});
export type SlurmSweepInfo = z.infer<typeof SlurmSweepInfo>;

/** A run's Slurm task: its id (`<array job>_<task>`) and the last state the studio saw (PENDING, RUNNING, …). */
export const SlurmRunInfo = z.object({
  jobId: z.string(),
  taskId: z.number().int(),
  state: z.string(),
  /** Why it waits, while PENDING (squeue's REASON: Priority, Resources, PartitionTimeLimit, …). */
  reason: z.string().optional(),
});
export type SlurmRunInfo = z.infer<typeof SlurmRunInfo>;

/**
 * Reasons a task waits that never clear by themselves: the job asks for what the partition, the account or the
 * QOS does not allow (squeue's REASON, slurm's job_reason.c), so it must be cancelled and sent again.
 */
const hopelessReasons: Record<string, string> = {
  PartitionTimeLimit: "its time limit is above the partition's MaxTime: cancel and send it again with a shorter one",
  PartitionNodeLimit: 'it asks for more nodes than the partition allows',
  PartitionConfig: "it asks for what the partition's configuration does not offer (its GPUs, CPUs or memory)",
  BadConstraints: 'no node meets its constraints (an --extra --constraint, or its GPUs per task)',
  InvalidAccount: 'its account is not valid on this cluster',
  InvalidQOS: 'its QOS is not valid for this account or partition',
  QOSMaxWallDurationPerJobLimit: "its time limit is above the QOS's MaxWall: cancel and send it again with a shorter one",
  AssocMaxWallDurationPerJobLimit: "its time limit is above the account's MaxWall: cancel and send it again with a shorter one",
  AccountNotAllowed: 'its account may not use this partition',
  QOSNotAllowed: 'its QOS may not use this partition',
};

/** What a task waiting for this reason needs, where it never clears by itself; undefined for any other reason. */
export function hopelessReason(reason: string | undefined): string | undefined {
  return reason !== undefined && Object.hasOwn(hopelessReasons, reason) ? hopelessReasons[reason] : undefined;
}
