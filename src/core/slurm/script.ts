/** What a compute node runs for a sweep's task: the batch script of the array and the command in it. */
import { join } from 'node:path';
import { sbatchDirectives, type SlurmOptions } from '../../shared/slurm';
import { taskFiles } from './event-log';

/** The command a compute node runs: this studio's Node and CLI (installed on storage the nodes see too). */
export interface TaskCommand {
  node: string;
  cli: string;
  /** Variables the script exports before it runs `node` (ELECTRON_RUN_AS_NODE where `node` is Electron's binary). */
  env?: Record<string, string>;
}

/**
 * The Node the tasks run: LATENT_STUDIO_NODE where it is set (a node on the cluster's storage, say), else this
 * process's own. In the desktop app that is Electron's binary, which on a compute node would start the app; with
 * ELECTRON_RUN_AS_NODE=1 it runs the CLI as plain Node.
 */
export function localTaskCommand(
  cli: string,
  proc: { execPath: string; versions: Partial<Record<string, string>>; env: Partial<Record<string, string>> } = process,
): TaskCommand {
  const node = proc.env['LATENT_STUDIO_NODE'];
  if (node) return { node, cli };
  return { node: proc.execPath, cli, ...(proc.versions['electron'] ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}) };
}

/**
 * A path as an #SBATCH line takes it: sbatch splits a directive at white space outside quotes, and expands `%`
 * patterns in a file name (`%%` is a %). A quote, a backslash or a `#` its parser would read as its own is refused:
 * the task's log would go to a folder that does not exist.
 */
export function sbatchPath(path: string): string {
  const odd = /["'\\#]/.exec(path)?.[0];
  if (odd !== undefined)
    throw new Error(`the shared folder ${path} has ${odd} in it, which an #SBATCH line cannot hold: choose another folder`);
  return /\s/.test(path) ? `"${path}"` : path;
}

/** The batch script of a sweep's array: shown and saved, so it can be read and edited. */
export function batchScript(o: {
  sweepName: string;
  sweepId: number;
  sweepDir: string;
  tasks: number;
  /** The first task's number (0 but for an adaptive sweep's later proposals). */
  first?: number;
  options: SlurmOptions;
  command: TaskCommand;
}): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const jobName = `latent-studio-${o.sweepId}-${o.sweepName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40)}`;
  // The same options the sweep form previews (shared/slurm.ts).
  const directives = sbatchDirectives(o.options, o.tasks, o.first ?? 0);
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${jobName}`,
    ...directives.options.map((x) => `#SBATCH ${x}`),
    `#SBATCH --output=${sbatchPath(join(o.sweepDir.replace(/%/g, '%%'), 'task-%a', taskFiles.log))}`,
    ...directives.extra.map((x) => `#SBATCH ${x}`),
    '',
    `# Latent Studio sweep "${o.sweepName.replace(/[\r\n]/g, ' ')}" (sweep ${o.sweepId}): task i trains run i of the sweep with the`,
    `# studio's own worker. It reads ${o.sweepDir}/task-<i>/${taskFiles.request} and appends every message of its`,
    `# worker to ${taskFiles.events} there (checkpoints in ${taskFiles.checkpoints}/); the studio ingests them. No`,
    '# database and no network are needed on the node; this folder and the data sets must be on shared storage.',
    ...Object.entries(o.command.env ?? {}).map(([k, v]) => `export ${k}=${q(v)}`),
    `exec ${q(o.command.node)} ${q(o.command.cli)} slurm-task ${q(o.sweepDir)}`,
    '',
  ];
  return lines.join('\n');
}
