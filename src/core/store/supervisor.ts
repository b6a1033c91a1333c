/**
 * Which studio process holds a piece of work (a run, a job): its host and pid, and a heartbeat it writes while it
 * lives. Another studio on the same database takes the work over only once that process is gone.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from '../../ml/process-alive';

export interface Supervised {
  heartbeat_at: string | null;
  supervisor_host: string | null;
  supervisor_pid: number | null;
}

export { processAlive };

/** Whether the studio process named by supervisor columns is alive; one on another machine is taken to be. */
export function supervisorAlive(host: string | null, pid: number | null): boolean {
  if (host !== hostname()) return host !== null;
  return pid !== null && (pid === process.pid || processAlive(pid));
}

/**
 * When a process of this machine started (ms since the epoch), from /proc where there is one (Linux): a pid of a
 * dead studio that another process took afterwards is told apart by it.
 */
function processStartedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, starttime in clock ticks (USER_HZ, 100 on Linux) since boot; the command name may hold spaces.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const at = (bootSeconds + ticks / 100) * 1000;
    return Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the supervising studio is gone. On this machine its pid decides: a live process that started before its
 * last heartbeat is that studio, however long it has been silent (a laptop asleep, a blocked event loop); the pid
 * of a dead one, or one a later process took, is gone. Elsewhere, and where the start time is unknown, a
 * heartbeat older than `cutoff` (an ISO time) is.
 */
export function supervisorGone(r: Supervised, cutoff: string): boolean {
  if (r.heartbeat_at === null) return true;
  const pid = r.supervisor_pid;
  if (r.supervisor_host === hostname() && pid !== null) {
    if (pid !== process.pid && !processAlive(pid)) return true;
    const started = processStartedAt(pid);
    // A second's slack: boot time is whole seconds.
    if (started !== undefined) return started > Date.parse(r.heartbeat_at) + 1000;
  }
  return r.heartbeat_at < cutoff;
}

/** Whether this studio process is the supervisor. */
export function supervisedByMe(r: { supervisor_host: string | null; supervisor_pid: number | null }): boolean {
  return r.supervisor_host === hostname() && r.supervisor_pid === process.pid;
}
