import { describe, expect, it } from 'vitest';
import type { RunAttempt } from './runs';
import { attemptEpochs, attemptKind, attemptTiming, attemptWhere, historySeconds, trainedSeconds } from './attempts';

const attempt = (a: Partial<RunAttempt>): RunAttempt => ({
  id: 1,
  recorded: true,
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

  it('calls the extension of a run that stopped early, short of its planned epochs, an extension', () => {
    const history = [attempt({ toEpoch: 6, reachedEpoch: 3 }), attempt({ fromEpoch: 3, toEpoch: 4 })];
    expect(attemptKind(history, 1)).toBe('Extended');
  });

  it('names a start against the last one that started: one cancelled while it waited changes nothing', () => {
    const never = { status: 'cancelled', startedAt: null, reachedEpoch: null } as const;
    const history = [
      attempt(never),
      attempt({ reachedEpoch: 4 }),
      attempt({ ...never, fromEpoch: 4, toEpoch: 8 }),
      attempt({ fromEpoch: 4, toEpoch: 8 }),
    ];
    expect(history.map((_, i) => attemptKind(history, i))).toEqual(['First start', 'First start', 'Extended', 'Extended']);
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
    // An older record: how it ended, not how far it got.
    expect(attemptEpochs(attempt({ recorded: false, fromEpoch: 2, reachedEpoch: null, backend: null }))).toBe('from epoch 2');
  });

  it('says where it trained: backend, adapter, host or Slurm task', () => {
    expect(attemptWhere(attempt({}))).toBe('wasm on desk');
    const adapter = {
      vendor: 'nvidia',
      architecture: 'hopper',
      device: 'H100',
      description: '',
      dawnBackend: 'vulkan',
      software: false,
    };
    const slurm = { jobId: '412', taskId: 3 };
    expect(attemptWhere(attempt({ backend: 'webgpu', adapter, slurm }))).toBe('webgpu (nvidia hopper H100) on Slurm 412_3');
    expect(attemptWhere(attempt({ backend: 'webgpu', adapter: { ...adapter, software: true } }))).toBe(
      'webgpu (nvidia hopper H100 (software)) on desk',
    );
    expect(attemptWhere(attempt({ backend: null, status: 'queued', startedAt: null }))).toBe('queued on desk');
    expect(attemptWhere(attempt({ backend: null, status: 'queued', startedAt: null, slurm }))).toBe('queued for Slurm 412_3');
    expect(attemptWhere(attempt({ backend: null, status: 'cancelled', startedAt: null }))).toBe('was queued on desk');
    expect(attemptWhere(attempt({ backend: null, recorded: false }))).toBe('on desk');
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

  it('sums what the starts trained, the waits in the queue and the pauses between them left out', () => {
    const first = attempt({ status: 'interrupted', endedAt: '2026-12-05T10:01:05.000Z' }); // trained 60 s
    const second = attempt({
      queuedAt: '2026-12-05T11:00:00.000Z',
      startedAt: '2026-12-05T11:00:30.000Z',
      endedAt: '2026-12-05T11:00:50.000Z', // trained 20 s after 30 s in the queue
    });
    const run = {
      startedAt: first.startedAt,
      endedAt: second.endedAt,
      interruptions: [
        { at: second.queuedAt, status: 'interrupted' as const, error: null, resumedFromEpoch: 1, endedAt: first.endedAt },
      ],
    };
    expect(historySeconds([first, second])).toEqual({ starts: 2, seconds: 80 });
    expect(trainedSeconds(run, historySeconds([first, second]))).toBe(80);
    // A history older than the run's first continuation: its first start, end and pauses (the wait counts).
    expect(trainedSeconds(run, historySeconds([second]))).toBe(110);
    expect(historySeconds([attempt({ startedAt: null })]).seconds).toBeNull();
  });
});
