import { describe, expect, it } from 'vitest';
import type { RunAttempt } from './runs';
import { attemptEpochs, attemptKind, attemptTiming, attemptWhere } from './attempts';

const attempt = (a: Partial<RunAttempt>): RunAttempt => ({
  id: 1,
  status: 'completed',
  error: null,
  executor: 'local',
  host: 'desk',
  slurm: null,
  backend: 'wasm',
  adapter: null,
  fromEpoch: 0,
  toEpoch: 4,
  reachedEpoch: 4,
  queuedAt: '2026-12-05T10:00:00.000Z',
  startedAt: '2026-12-05T10:00:05.000Z',
  endedAt: '2026-12-05T10:03:17.000Z',
  ...a,
});

describe("a run's history in words", () => {
  it('names each start for what it was', () => {
    const history = [
      attempt({ status: 'interrupted', reachedEpoch: 2 }),
      attempt({ fromEpoch: 2 }),
      attempt({ fromEpoch: 4, toEpoch: 8, status: 'stopped', reachedEpoch: 6 }),
      attempt({ fromEpoch: 6, toEpoch: 8 }),
      attempt({ fromEpoch: 0, toEpoch: 8, status: 'cancelled' }),
    ];
    expect(history.map((_, i) => attemptKind(history, i))).toEqual([
      'First start',
      'Resumed',
      'Extended',
      'Trained on',
      'Started again',
    ]);
  });

  it('gives the epochs covered: all, part, so far, waiting, or none', () => {
    expect(attemptEpochs(attempt({}))).toBe('epochs 0 → 4');
    expect(attemptEpochs(attempt({ status: 'failed', fromEpoch: 1, reachedEpoch: 3 }))).toBe('epochs 1 → 3 of 4');
    // Failed before its first checkpoint: it reached no further than it began.
    expect(attemptEpochs(attempt({ status: 'failed', fromEpoch: 2, reachedEpoch: null }))).toBe('epochs 2 → 2 of 4');
    expect(attemptEpochs(attempt({ status: 'running', reachedEpoch: 1, endedAt: null }))).toBe('epochs 0 → 1 so far, of 4');
    expect(attemptEpochs(attempt({ status: 'queued', startedAt: null, endedAt: null }))).toBe('epochs 0 → 4, waiting');
    expect(attemptEpochs(attempt({ status: 'cancelled', startedAt: null, reachedEpoch: null }))).toBe(
      'epochs 0 → 4, never started',
    );
  });

  it('says where it trained: backend, adapter, host or Slurm task', () => {
    expect(attemptWhere(attempt({}))).toBe('wasm on desk');
    expect(attemptWhere(attempt({ backend: 'webgpu', adapter: 'nvidia hopper H100', slurm: { jobId: '412', taskId: 3 } }))).toBe(
      'webgpu (nvidia hopper H100) on Slurm 412_3',
    );
    expect(attemptWhere(attempt({ backend: null, status: 'queued' }))).toBe('queued on desk');
  });

  it('says how long it trained and waited, ticking while it runs', () => {
    expect(attemptTiming(attempt({}))).toBe('trained 3m 12s after 5s in the queue');
    const now = Date.parse('2026-12-05T10:00:47.000Z');
    expect(attemptTiming(attempt({ status: 'running', endedAt: null }), now)).toBe('training for 42s after 5s in the queue');
    expect(attemptTiming(attempt({ startedAt: null, endedAt: '2026-12-05T10:01:00.000Z' }))).toBe(
      'ended after 1m 00s in the queue',
    );
    expect(attemptTiming(attempt({ startedAt: '2026-12-05T10:00:00.300Z' }))).toBe('trained 3m 17s');
  });
});
