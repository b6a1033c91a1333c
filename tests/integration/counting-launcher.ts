import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { WorkerLauncher } from '../../src/core/training/protocol';

/**
 * Real workers, counted: how many are alive now, the most ever alive at once, how many were launched, the threads
 * each was given and what each was started to do (its first message's type).
 */
export function countingLauncher() {
  const inner = forkLauncher();
  const stats = { alive: 0, maxAlive: 0, launched: 0, threads: [] as (number | undefined)[], kinds: [] as string[] };
  const launcher: WorkerLauncher = (options) => {
    const handle = inner(options);
    stats.launched++;
    stats.alive++;
    stats.maxAlive = Math.max(stats.maxAlive, stats.alive);
    stats.threads.push(options?.threads);
    handle.onExit(() => stats.alive--);
    const send = handle.send.bind(handle);
    let first = true;
    handle.send = (m) => {
      if (first) stats.kinds.push(m.type);
      first = false;
      send(m);
    };
    return handle;
  };
  return { launcher, stats };
}
