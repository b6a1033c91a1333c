/**
 * Which studio process holds a piece of work (a run, a job): its host and pid, and a heartbeat it writes while it
 * lives. Another studio on the same database takes the work over only once that process is gone.
 */
import { hostname } from 'node:os';

export interface Supervised {
  heartbeat_at: string | null;
  supervisor_host: string | null;
  supervisor_pid: number | null;
}

/** Whether a process of this machine is alive (EPERM: it is, but another user's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the studio process named by supervisor columns is alive; one on another machine is taken to be. */
export function supervisorAlive(host: string | null, pid: number | null): boolean {
  if (host !== hostname()) return host !== null;
  return pid !== null && (pid === process.pid || processAlive(pid));
}

/** Whether the supervising studio is gone: dead on this machine, or silent since before `cutoff` (an ISO time). */
export function supervisorGone(r: Supervised, cutoff: string): boolean {
  if (r.heartbeat_at === null || r.heartbeat_at < cutoff) return true;
  const pid = r.supervisor_pid;
  if (r.supervisor_host !== hostname() || pid === null) return false;
  return pid !== process.pid && !processAlive(pid);
}

/** Whether this studio process is the supervisor. */
export function supervisedByMe(r: { supervisor_host: string | null; supervisor_pid: number | null }): boolean {
  return r.supervisor_host === hostname() && r.supervisor_pid === process.pid;
}
