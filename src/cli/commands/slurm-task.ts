/**
 * `latent-studio slurm-task <dir>`: what a sweep's Slurm batch script runs on a compute node (not in the usage text).
 */
import { resolve as resolvePath } from 'node:path';
import { runSlurmTask } from '../../core/slurm/task';
import { forkLauncher } from '../../core/training/fork-launcher';
import { command, intFlag, UsageError } from '../runner';

/**
 * One task of a sweep's Slurm job array, on a compute node (the batch script runs it): trains run
 * $SLURM_ARRAY_TASK_ID of the sweep folder with the studio's worker and appends its messages to the task's log.
 */
export const slurmTask = command({
  name: 'slurm-task',
  flags: { task: { type: 'string' } },
  positionals: true,
  async run({ positionals, values }) {
    const dir = positionals[0];
    if (!dir) throw new UsageError('slurm-task needs the sweep folder the batch script names');
    const task = intFlag('task', values.task ?? process.env['SLURM_ARRAY_TASK_ID']);
    if (task === undefined || !Number.isInteger(task) || task < 0)
      throw new UsageError('slurm-task: no task id (SLURM_ARRAY_TASK_ID is unset; outside Slurm pass --task N)');
    return runSlurmTask(resolvePath(dir), task, forkLauncher());
  },
});
