import { issuePath, type FieldIssue } from '../../../shared/config';
import { sbatchDirectives, SlurmOptions, type SlurmOptionsInput } from '../../../shared/slurm';

/** The sweep form's Slurm fields as typed: text as it stands, numbers as the inputs give them (empty: undefined). */
export type SlurmForm = { [K in keyof SlurmOptionsInput]?: SlurmOptionsInput[K] | null };

/** The options the form describes, in the contract's shape: blank text and empty numbers are left out (sbatch's defaults). */
export function slurmOptionsOf(form: SlurmForm): SlurmOptionsInput {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') {
      if (value.trim() !== '') options[key] = value.trim();
    } else options[key] = value;
  }
  return options;
}

/** The options checked as the contract checks them, each refusal at `slurm.<field>` (as the API names it). */
export function checkSlurmOptions(
  options: SlurmOptionsInput,
): { ok: true; options: SlurmOptions; issues: [] } | { ok: false; issues: FieldIssue[] } {
  const parsed = SlurmOptions.safeParse(options);
  if (parsed.success) return { ok: true, options: parsed.data, issues: [] };
  return { ok: false, issues: parsed.error.issues.map((i) => ({ path: issuePath(['slurm', ...i.path]), message: i.message })) };
}

/**
 * The `#SBATCH` lines the sweep's batch script will carry for these options and runs, as the studio writes them on
 * submit (shared/slurm.ts); the job name, the log path and the task's command are added then.
 */
export function sbatchPreview(options: SlurmOptions, tasks: number): string[] {
  const { options: set, extra } = sbatchDirectives(options, Math.max(1, tasks));
  return [...set, ...extra].map((o) => `#SBATCH ${o}`);
}

/** Slurm's task id as its tools take it (`scancel 1234_2`, `sacct -j 1234_2`). */
export function slurmTaskId(slurm: { jobId: string; taskId: number }): string {
  return `${slurm.jobId}_${slurm.taskId}`;
}

/** How a Slurm state reads beside a run's status: waiting, running, ended well, or stopped by Slurm. */
export function slurmStateTone(state: string): 'waiting' | 'running' | 'done' | 'stopped' {
  if (
    state === 'PENDING' ||
    state === 'CONFIGURING' ||
    state === 'REQUEUED' ||
    state === 'SUSPENDED' ||
    state === 'RESV_DEL_HOLD'
  )
    return 'waiting';
  if (state === 'RUNNING' || state === 'COMPLETING' || state === 'STAGE_OUT') return 'running';
  if (state === 'COMPLETED') return 'done';
  return 'stopped';
}
