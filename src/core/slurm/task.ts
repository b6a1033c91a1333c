/**
 * What one array task runs on a compute node (`latent-studio slurm-task <sweep folder>`): the studio's own
 * training worker, fed the request the studio wrote, with every message it sends appended to the task's event log.
 * No database and no network: the studio ingests the log from the shared folder.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerLauncher } from '../training/protocol';
import { encodeEntry, taskDir, taskFiles, type LogEntry, type TrainRequest } from './event-log';

/** Runs the task's training in a worker; resolves with the process exit code (0 when the run completed). */
export function runSlurmTask(sweepDir: string, task: number, launcher: WorkerLauncher): Promise<number> {
  const dir = taskDir(sweepDir, task);
  const request = JSON.parse(readFileSync(join(dir, taskFiles.request), 'utf8')) as TrainRequest;
  mkdirSync(request.checkpointDir, { recursive: true });
  const log = join(dir, taskFiles.events);
  const write = (entry: LogEntry) => appendFileSync(log, encodeEntry(entry));
  const threads = Number(process.env['SLURM_CPUS_PER_TASK'] ?? '') || 1;
  const worker = launcher({ threads });
  return new Promise((resolve) => {
    let outcome: 'done' | 'failed' | null = null;
    let stoppedBy: string | null = null;
    const stop = (signal: NodeJS.Signals) => {
      // scancel, a time limit or preemption: Slurm sends SIGTERM, then SIGKILL after KillWait.
      stoppedBy = signal;
      worker.kill();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    worker.onMessage((m) => {
      if (m.type === 'done' || m.type === 'failed') outcome = m.type === 'done' ? 'done' : 'failed';
      write(m);
    });
    worker.onExit((description, clean) => {
      const how = stoppedBy ? `the Slurm task was stopped (${stoppedBy}: scancel, its time limit or preemption)` : description;
      write({
        type: 'task-exit',
        description: how,
        clean: clean && outcome === 'done',
        ...(stoppedBy ? { signal: stoppedBy } : {}),
      });
      resolve(outcome === 'done' ? 0 : stoppedBy ? 143 : 1);
    });
    worker.send(request);
  });
}
