/**
 * Hyperband's side of the scheduler, for one run: the rungs it is judged at (src/core/sweeps decides), each judged
 * once, and why it was stopped. A local worker waits at each rung for the answer; a Slurm task cannot, so its run is
 * judged as its rung's metric arrives and stopped by scancel.
 */
import type { MetricPoint } from '../../shared/runs';
import type { RunConfig } from '../../shared/config';

/** Where a run of an adaptive sweep is judged: after these epochs, by this metric (`split.name`). */
export interface RungPlan {
  epochs: number[];
  metric: string;
}

/** Which runs have rungs, and the judgement at one (src/core/sweeps/adaptive.ts). */
export interface RungJudge {
  plan(runId: number, config: RunConfig): RungPlan | null;
  judge(runId: number, epoch: number): { stop: boolean; reason: string | null };
}

export class RungWatch {
  readonly #judged = new Set<number>();
  /** Why Hyperband stopped the run, once it did. */
  stopReason: string | null = null;

  constructor(
    private readonly runId: number,
    readonly plan: RungPlan | null,
    private readonly judge: RungJudge | null,
  ) {}

  /** Judges the run at a rung epoch once (`store` first writes its metrics); true when it is stopped. */
  at(epoch: number, store: () => void): boolean {
    if (this.#judged.has(epoch) || !this.judge) return this.stopReason !== null;
    this.#judged.add(epoch);
    store();
    const { stop, reason } = this.judge.judge(this.runId, epoch);
    if (stop) this.stopReason = reason ?? 'stopped by Hyperband';
    return stop;
  }

  /** The rung epoch whose metric these points bring, not judged yet (for a run that cannot wait: a Slurm task). */
  due(points: readonly MetricPoint[]): number | undefined {
    if (!this.plan || this.stopReason) return undefined;
    const dot = this.plan.metric.indexOf('.');
    const [split, name] = [this.plan.metric.slice(0, dot), this.plan.metric.slice(dot + 1)];
    return points.find(
      (p) => p.split === split && p.name === name && this.plan?.epochs.includes(p.epoch) && !this.#judged.has(p.epoch),
    )?.epoch;
  }
}
