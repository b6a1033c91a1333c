/** A run's history in words: what each start of its training was, the epochs it covered, where and for how long. */
import { duration } from './duration';
import { adapterLabel, trainingSeconds, type RunAttempt, type RunDetail } from './runs';

const seconds = (from: string, to: string | number) =>
  ((typeof to === 'number' ? to : new Date(to).getTime()) - new Date(from).getTime()) / 1000;

/**
 * What the attempt was, against the last one before it that started: the first start, a resume from a checkpoint, a
 * start from the beginning again, an extension of a completed run, or the training on of one Hyperband stopped. (A
 * start cancelled while it waited changed nothing: the one after it is what it would have been.)
 */
export function attemptKind(attempts: readonly RunAttempt[], i: number): string {
  const a = attempts[i];
  if (!a) return '';
  const before = attempts.slice(0, i).findLast((b) => b.startedAt !== null);
  if (!before) return 'First start';
  if (a.fromEpoch === 0) return 'Started again';
  if (before.status === 'stopped') return 'Trained on';
  // Against the epoch it reached: one that stopped early completed short of the epochs it planned.
  return before.status === 'completed' && a.toEpoch > (before.reachedEpoch ?? before.toEpoch) ? 'Extended' : 'Resumed';
}

/**
 * The epochs it covered: "epochs 0 → 2 of 4", "epochs 3 → 10", "epochs 3 → 5 so far, of 10", "epochs 3 → 10,
 * waiting", "…, never started"; "from epoch 3" where an older record does not say how far it got.
 */
export function attemptEpochs(a: RunAttempt): string {
  if (a.status === 'queued') return `epochs ${a.fromEpoch} → ${a.toEpoch}, waiting`;
  if (a.startedAt === null) return `epochs ${a.fromEpoch} → ${a.toEpoch}, never started`;
  if (!a.recorded) return `from epoch ${a.fromEpoch}`;
  const reached = a.reachedEpoch !== null && a.reachedEpoch >= a.fromEpoch ? a.reachedEpoch : a.fromEpoch;
  if (a.status === 'running') return `epochs ${a.fromEpoch} → ${reached} so far, of ${a.toEpoch}`;
  return reached === a.toEpoch ? `epochs ${a.fromEpoch} → ${a.toEpoch}` : `epochs ${a.fromEpoch} → ${reached} of ${a.toEpoch}`;
}

/** Where it trained: "wasm on node-3", "webgpu (nvidia hopper H100) on Slurm 412_3", "queued for Slurm 412_3". */
export function attemptWhere(a: RunAttempt): string {
  const place = a.slurm ? `Slurm ${a.slurm.jobId}_${a.slurm.taskId}` : (a.host ?? 'an unknown host');
  if (a.backend !== null) return `${a.backend}${a.adapter ? ` (${adapterLabel(a.adapter)})` : ''} on ${place}`;
  const queued = a.slurm ? `for ${place}` : `on ${place}`;
  return a.status === 'queued' ? `queued ${queued}` : a.startedAt === null ? `was queued ${queued}` : `on ${place}`;
}

/** How long it trained and waited: "trained 3m 12s after 4s in the queue"; while it runs, against `now`. */
export function attemptTiming(a: RunAttempt, now: number = Date.now()): string {
  if (a.startedAt === null) return a.endedAt ? `ended after ${duration(seconds(a.queuedAt, a.endedAt))} in the queue` : '';
  const trained = duration(seconds(a.startedAt, a.endedAt ?? now));
  const waited = seconds(a.queuedAt, a.startedAt);
  return `${a.endedAt ? 'trained' : 'training for'} ${trained}${waited >= 1 ? ` after ${duration(waited)} in the queue` : ''}`;
}

/**
 * What a run's starts add up to: how many there were, and the seconds those that started trained (to `now`); null
 * seconds when none started.
 */
export function historySeconds(
  attempts: readonly RunAttempt[],
  now: number = Date.now(),
): { starts: number; seconds: number | null } {
  const started = attempts.filter((a) => a.startedAt !== null);
  return {
    starts: attempts.length,
    seconds: started.length === 0 ? null : started.reduce((sum, a) => sum + seconds(a.startedAt ?? '', a.endedAt ?? now), 0),
  };
}

/**
 * Seconds a run trained: what its starts trained, summed, where its history is whole (a start for each
 * continuation, one of them started); else, for a run older than its history, `trainingSeconds`'s reading of its
 * first start, end and the pauses before each continuation (which counts the waits in the queue).
 */
export function trainedSeconds(
  run: Pick<RunDetail, 'startedAt' | 'endedAt' | 'interruptions'>,
  history: { starts: number; seconds: number | null } | null,
  now: number = Date.now(),
): number | null {
  if (history?.seconds != null && history.starts === run.interruptions.length + 1) return history.seconds;
  return trainingSeconds(run, now);
}
