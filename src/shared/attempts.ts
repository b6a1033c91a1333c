/** A run's history in words: what each start of its training was, the epochs it covered, where and for how long. */
import { duration } from './duration';
import type { RunAttempt } from './runs';

const seconds = (from: string, to: string | number) =>
  ((typeof to === 'number' ? to : new Date(to).getTime()) - new Date(from).getTime()) / 1000;

/**
 * What the attempt was: the first start, a resume from a checkpoint, a start from the beginning again, an extension of
 * a completed run, or the training on of one Hyperband stopped.
 */
export function attemptKind(attempts: readonly RunAttempt[], i: number): string {
  const a = attempts[i];
  const before = attempts[i - 1];
  if (!a) return '';
  if (!before) return 'First start';
  if (a.fromEpoch === 0) return 'Started again';
  if (before.status === 'stopped') return 'Trained on';
  return before.status === 'completed' && a.toEpoch > before.toEpoch ? 'Extended' : 'Resumed';
}

/** The epochs it covered: "epochs 0 → 2 of 4", "epochs 3 → 10", "epoch 3 → 5 so far, of 10", "epochs 3 → 10, waiting". */
export function attemptEpochs(a: RunAttempt): string {
  if (a.status === 'queued') return `epochs ${a.fromEpoch} → ${a.toEpoch}, waiting`;
  const reached = a.reachedEpoch !== null && a.reachedEpoch >= a.fromEpoch ? a.reachedEpoch : a.fromEpoch;
  if (a.status === 'running') return `epochs ${a.fromEpoch} → ${reached} so far, of ${a.toEpoch}`;
  if (a.startedAt === null) return `epochs ${a.fromEpoch} → ${a.toEpoch}, never started`;
  return reached === a.toEpoch ? `epochs ${a.fromEpoch} → ${a.toEpoch}` : `epochs ${a.fromEpoch} → ${reached} of ${a.toEpoch}`;
}

/** Where it trained: "wasm on node-3", "webgpu (nvidia hopper H100) on Slurm 412_3". */
export function attemptWhere(a: RunAttempt): string {
  const place = a.slurm ? `Slurm ${a.slurm.jobId}_${a.slurm.taskId}` : (a.host ?? 'an unknown host');
  if (a.backend === null) return a.slurm ? `for ${place}` : `queued on ${place}`;
  return `${a.backend}${a.adapter ? ` (${a.adapter})` : ''} on ${place}`;
}

/** How long it trained and waited: "trained 3m 12s after 4s in the queue"; while it runs, against `now`. */
export function attemptTiming(a: RunAttempt, now: number = Date.now()): string {
  if (a.startedAt === null) return a.endedAt ? `ended after ${duration(seconds(a.queuedAt, a.endedAt))} in the queue` : '';
  const trained = duration(seconds(a.startedAt, a.endedAt ?? now));
  const waited = seconds(a.queuedAt, a.startedAt);
  return `${a.endedAt ? 'trained' : 'training for'} ${trained}${waited >= 1 ? ` after ${duration(waited)} in the queue` : ''}`;
}
