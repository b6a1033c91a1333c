import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/random';
import { EarlyTerminate, rungEpochs } from '../../shared/sweep-search';
import { judgeAtRung, quantile, stoppedReason } from './asha';

/** The scripted metric: config i's loss at epoch e, a curve that falls with training (a 1/e term) to its floor. */
const scripted = (floor: number, start: number) => (epoch: number) => floor + start / epoch;

/**
 * 27 configs, eta 3, min_iter 1, 9 epochs, `workers` at a time: each worker trains its run epoch by epoch (one time
 * unit each), and a run that reaches a rung is judged against the runs recorded there before it.
 */
function simulate(curves: ((epoch: number) => number)[], workers: number) {
  const early = EarlyTerminate.parse({ type: 'hyperband', min_iter: 1, eta: 3 });
  const rungs = rungEpochs(early, 9);
  const recorded = new Map<number, { run: number; loss: number }[]>(rungs.map((r) => [r, []]));
  const log: { run: number; epoch: number; loss: number; peers: number[]; decision: string }[] = [];
  const epochsTrained = curves.map(() => 0);
  const active: { run: number; epoch: number }[] = [];
  let next = 0;
  while (next < curves.length || active.length > 0) {
    while (active.length < workers && next < curves.length) active.push({ run: next++, epoch: 0 });
    // One time unit: every active run trains an epoch, in the order they started.
    for (const a of [...active]) {
      a.epoch += 1;
      epochsTrained[a.run] = a.epoch;
      const loss = (curves[a.run] as (e: number) => number)(a.epoch);
      const at = recorded.get(a.epoch);
      let end = a.epoch === 9;
      if (at) {
        const peers = at.map((r) => r.loss);
        const j = judgeAtRung(peers, loss, early.eta);
        at.push({ run: a.run, loss });
        log.push({ run: a.run, epoch: a.epoch, loss, peers, decision: j.decision });
        if (j.decision === 'stopped') end = true;
      }
      if (end) active.splice(active.indexOf(a), 1);
    }
  }
  return { rungs, log, epochsTrained };
}

/** The rule, restated: a run goes on iff at most a third of the runs before it at the rung did better than it... */
function oracle(peers: number[], loss: number): string {
  if (peers.length === 0) return 'continue';
  // ...measured by the interpolated (1/3)-quantile of their losses.
  const s = [...peers].sort((a, b) => a - b);
  const pos = (s.length - 1) / 3;
  const cut = (s[Math.floor(pos)] as number) * (1 - (pos % 1)) + (s[Math.ceil(pos)] as number) * (pos % 1);
  return loss <= cut ? 'continue' : 'stopped';
}

describe('ASHA (Hyperband, asynchronous) with 27 configs, eta 3, min_iter 1', () => {
  it('judges at rungs 1 and 3 of 9 epochs', () => {
    expect(rungEpochs(EarlyTerminate.parse({ type: 'hyperband', min_iter: 1, eta: 3 }), 9)).toEqual([1, 3]);
    expect(rungEpochs(EarlyTerminate.parse({ type: 'hyperband', min_iter: 2, eta: 2 }), 20)).toEqual([2, 4, 8, 16]);
    expect(rungEpochs(EarlyTerminate.parse({ type: 'hyperband', max_iter: 27, s: 2, eta: 3 }), 27)).toEqual([3, 9]);
  });

  it("makes W&B's bands: s bands ⌊max_iter/eta^k⌋ (max_iter wins over min_iter), or ⌊min_iter·eta^k⌋ uncompounded", () => {
    const bands = (e: object, epochs: number) => rungEpochs(EarlyTerminate.parse({ type: 'hyperband', ...e }), epochs);
    // wandb/sweeps hyperband_stopping.py, computed by hand.
    expect(bands({ max_iter: 100, s: 2, eta: 3 }, 100)).toEqual([11, 33]);
    expect(bands({ max_iter: 50, s: 2, eta: 3 }, 50)).toEqual([5, 16]);
    expect(bands({ max_iter: 10, s: 2, eta: 3 }, 10)).toEqual([1, 3]);
    expect(bands({ max_iter: 10, s: 5, eta: 3 }, 10)).toEqual([1, 3]);
    expect(bands({ max_iter: 27, s: 2, eta: 3, min_iter: 1 }, 27)).toEqual([3, 9]);
    expect(bands({ min_iter: 1, eta: 2.5 }, 50)).toEqual([1, 2, 6, 15, 39]);
    // Only bands before the run's last epoch.
    expect(bands({ max_iter: 100, s: 1, eta: 3 }, 20)).toEqual([]);
  });

  it('names the field a bad early_terminate lacks', () => {
    const issues = (e: object) =>
      EarlyTerminate.safeParse({ type: 'hyperband', ...e }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ max_iter: 27 })).toEqual([['s', 'max_iter needs s, the number of brackets']]);
    expect(issues({ eta: 3 })).toEqual([['min_iter', 'give min_iter, or max_iter with s (the number of brackets)']]);
    expect(issues({ min_iter: 1 })).toBeUndefined();
  });

  it('promotes at each rung exactly the runs the rule names, against the runs recorded there before them', () => {
    const rng = createRng(5);
    const curves = Array.from({ length: 27 }, () => scripted(rng(), 2 * rng()));
    for (const workers of [1, 3]) {
      const { log, epochsTrained } = simulate(curves, workers);
      for (const entry of log)
        expect(entry.decision, `run ${entry.run} at epoch ${entry.epoch}`).toBe(oracle(entry.peers, entry.loss));
      // Every run is judged at rung 1; only those it promoted reach rung 3, and only those promoted there train on.
      const at = (epoch: number) => log.filter((e) => e.epoch === epoch);
      expect(at(1)).toHaveLength(27);
      expect(
        at(3)
          .map((e) => e.run)
          .sort((a, b) => a - b),
      ).toEqual(
        at(1)
          .filter((e) => e.decision === 'continue')
          .map((e) => e.run)
          .sort((a, b) => a - b),
      );
      const finished = epochsTrained.flatMap((e, run) => (e === 9 ? [run] : []));
      expect(finished).toEqual(
        at(3)
          .filter((e) => e.decision === 'continue')
          .map((e) => e.run)
          .sort((a, b) => a - b),
      );
      // About a third go on at each rung (more early on, while few runs are on record): far fewer epochs than 27 × 9.
      expect(at(3).length).toBeLessThan(14);
      expect(epochsTrained.reduce((s, e) => s + e, 0)).toBeLessThan(0.5 * 27 * 9);
    }
  });

  it('stops every run after the first when each is worse than all before it, and none when each is better', () => {
    const worse = Array.from({ length: 27 }, (_, i) => scripted(i, 1));
    expect(simulate(worse, 1).epochsTrained).toEqual([9, ...Array(26).fill(1)]);
    const better = Array.from({ length: 27 }, (_, i) => scripted(27 - i, 1));
    expect(simulate(better, 1).epochsTrained).toEqual(Array(27).fill(9));
  });

  it('cuts at the interpolated quantile, as numpy.percentile does', () => {
    expect(quantile([4, 1, 3, 2], 1 / 3)).toBeCloseTo(2);
    expect(quantile([1, 2], 1 / 3)).toBeCloseTo(4 / 3);
    expect(judgeAtRung([1, 2, 3, 4], 2, 3).decision).toBe('continue');
    expect(judgeAtRung([1, 2, 3, 4], 2.01, 3).decision).toBe('stopped');
    expect(judgeAtRung([], 100, 3)).toEqual({ decision: 'continue', cutoff: null, peers: 0 });
  });
});

describe('why a run was stopped', () => {
  it('names the rung, the epoch, and for a phased family the epochs after its pretraining that the rungs count', () => {
    const j = { decision: 'stopped' as const, cutoff: 0.5, peers: 3 };
    expect(stoppedReason('test.loss', 0, 1, 0.9, j, 3)).toBe(
      'stopped by Hyperband at rung 0 (epoch 1): test.loss 0.9000 is not in the top 1/3 of the 3 runs that reached this rung before it (cutoff 0.5000)',
    );
    expect(stoppedReason('test.loss', 0, 4, 0.9, j, 3, 3)).toMatch(
      /^stopped by Hyperband at rung 0 \(epoch 4, 1 after 3 of pretraining\): test\.loss 0\.9000/,
    );
  });
});
