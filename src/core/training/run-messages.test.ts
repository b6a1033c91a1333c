import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../families/run-config';
import { EventHub } from '../events';
import { openDb } from '../store/db';
import { readMetrics, writeMetrics } from '../store/metrics';
import { insertRun } from '../store/runs';
import type { ToWorker, WorkerHandle } from './protocol';
import { handleRunMessage, type ActiveRun } from './run-messages';
import { RungWatch } from './rung-watch';

describe("a run's messages", () => {
  it('a worker waiting at a rung is answered (go on) even when judging it fails', () => {
    const db = openDb(':memory:');
    const config = defaultRunConfig('vae');
    const runId = insertRun(db, config, 'h');
    const sent: ToWorker[] = [];
    const worker = { pid: 1, send: (m: ToWorker) => sent.push(m) } as unknown as WorkerHandle;
    const judge = {
      plan: () => ({ epochs: [1], metric: 'test.loss' }),
      judge: () => {
        throw new Error('database is locked');
      },
    };
    const run: ActiveRun = {
      config,
      worker,
      pending: [],
      cancelled: false,
      remote: false,
      rungs: new RungWatch(runId, judge.plan(), judge),
    };
    const ctx = { db, events: new EventHub(), checkpointDir: '/nowhere', flush: () => undefined };
    expect(() => handleRunMessage(ctx, runId, run, { type: 'rung', epoch: 1 }, () => undefined)).toThrow(/locked/);
    expect(sent).toEqual([{ type: 'rungDecision', epoch: 1, stop: false }]);
  });

  it('a NaN metric (a diverged model) is not stored, and the points beside it are', () => {
    const db = openDb(':memory:');
    const runId = insertRun(db, defaultRunConfig('vae'), 'h');
    writeMetrics(db, runId, [
      { step: 1, epoch: 1, split: 'test', name: 'kl', value: NaN },
      { step: 1, epoch: 1, split: 'test', name: 'loss', value: 2 },
    ]);
    expect(readMetrics(db, runId)).toEqual([{ step: 1, epoch: 1, split: 'test', name: 'loss', value: 2 }]);
  });
});
