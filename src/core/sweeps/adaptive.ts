/**
 * Adaptive sweeps: a bayes sweep's next runs proposed by TPE as earlier ones end, and Hyperband's judgement of any
 * sweep's runs at their rungs (ASHA). Both read and write only the store, so a restarted studio goes on where the
 * last one stopped.
 *
 * Determinism: proposal i is made once runs 0 … i − c have ended (c the sweep's concurrency), from exactly those
 * results, with runs i − c + 1 … i − 1 counted as still running (the constant liar) whether or not they have ended
 * by then, and from its own random stream (seed, i). So a sweep stopped and resumed proposes what it would have
 * proposed uninterrupted. Each run keeps its number i for good: a deleted run's number is not used again, and a
 * sweep of `count` makes `count` proposals, deleted ones included. A run trained on after it ended (resumed, or
 * trained to its end past a rung) counts with its new result once it ends again; proposals wait for it. (ASHA's
 * decisions depend on the order runs reach a rung, which only concurrency 1 fixes.)
 */
import type { SweepPoint, SweepValue } from '../../shared/sweep';
import type { FieldIssue } from '../../shared/config';
import { sweepPoints, wholeNumberRanges } from '../../shared/sweep';
import { asLoss, rungEpochs, searchSpace, splitMetric, sweepObjectives } from '../../shared/sweep-search';
import type { RunConfig } from '../../shared/config';
import { createRng, deriveSeed } from '../../shared/random';
import type { RunStatus } from '../../shared/runs';
import type { DatasetCatalog } from '../datasets/catalog';
import type { EventHub } from '../events';
import { pretrainingEpochs } from '../../families/run-config';
import { checkRun } from '../run-checks';
import { metricAtEpoch } from '../store/metrics';
import { addWarning, finishRun, runConfig } from '../store/runs';
import { recordRung, rungRecord, runRungs, valuesAtRung } from '../store/rungs';
import { addSweepRun, listSweeps, nextSweepIndex, skipSweepIndex, sweepOfRun, sweepRuns } from '../store/sweeps';
import type { Db } from '../store/db';
import { configHash } from '../training/config-hash';
import type { Orchestrator } from '../training/orchestrator';
import type { RungPlan } from '../training/rung-watch';
import { judgeAtRung, stoppedReason } from './asha';
import { sweepBase } from './plan';
import { proposeTpe, type TpeTrial } from './tpe';

/** How many times a refused proposal is drawn again before the sweep stops proposing, with a warning. */
const proposalAttempts = 20;

/** Statuses after which a run's result is known for good (an interrupted one goes on when it is resumed). */
const ended: readonly RunStatus[] = ['completed', 'stopped', 'failed', 'cancelled'];

export interface AdaptiveOptions {
  db: Db;
  events: EventHub;
  orchestrator: Orchestrator;
  datasets: DatasetCatalog;
  /** Sends a proposal of a Slurm sweep to the cluster as one task. */
  submitRemote?(sweepId: number, runId: number, config: RunConfig, task: number): Promise<void>;
}

export class AdaptiveSweeps {
  constructor(private readonly o: AdaptiveOptions) {
    o.orchestrator.setRungJudge({
      plan: (runId, config) => this.plan(runId, config),
      judge: (runId, epoch) => this.judge(runId, epoch),
    });
    o.events.on((e) => {
      if (e.name !== 'run.status' || !ended.includes(e.payload.status)) return;
      const sweep = sweepOfRun(o.db, e.payload.runId);
      if (sweep) this.advance(sweep.sweepId);
    });
  }

  /** Proposes what every active bayes sweep is due (after a restart, the proposals a dead studio never made). */
  advanceAll(): void {
    for (const s of listSweeps(this.o.db)) if (s.method === 'bayes' && s.state === 'active') this.advance(s.id);
  }

  /** The rungs a run is judged at: none outside a sweep with early_terminate, or once the user extended it after a stop. */
  plan(runId: number, config: RunConfig): RungPlan | null {
    const sweep = sweepOfRun(this.o.db, runId);
    const early = sweep?.spec.early_terminate;
    const metric = sweep?.spec.metric;
    if (!early || !metric) return null;
    if (runRungs(this.o.db, runId).some((r) => r.decision === 'stopped')) return null;
    // Counted in the run's own training: a phased family's pretraining measures another loss (its epochs come first).
    const pretraining = pretrainingEpochs(config);
    const epochs = rungEpochs(early, config.training.epochs).map((e) => e + pretraining);
    return epochs.length > 0 ? { epochs, metric: metric.name } : null;
  }

  /**
   * Why Hyperband stopped a run whose last rung said stop, or null: a studio that died between that judgement and the
   * run's end left it interrupted, and it is not to train on by itself (only a user's extension does).
   */
  stoppedAtLastRung(runId: number): string | null {
    const sweep = sweepOfRun(this.o.db, runId);
    const early = sweep?.spec.early_terminate;
    const metric = sweep?.spec.metric;
    const last = runRungs(this.o.db, runId).at(-1);
    if (!early || !metric || last?.decision !== 'stopped') return null;
    return stoppedReason(metric.name, last.rung, last.epoch, last.value, { ...last }, early.eta);
  }

  /** ASHA at one rung: the run's metric there against the runs recorded there before it (kept, so asked again it answers the same). */
  judge(runId: number, epoch: number): { stop: boolean; reason: string | null } {
    const { db } = this.o;
    const sweep = sweepOfRun(db, runId);
    const early = sweep?.spec.early_terminate;
    const metric = sweep?.spec.metric;
    if (!sweep || !early || !metric) return { stop: false, reason: null };
    const config = runConfig(db, runId);
    const pretraining = config ? pretrainingEpochs(config) : 0;
    const rung = rungEpochs(early, config?.training.epochs ?? Infinity).indexOf(epoch - pretraining);
    if (rung < 0) return { stop: false, reason: null };
    const known = rungRecord(db, runId, rung);
    if (known) {
      const stop = known.decision === 'stopped';
      return {
        stop,
        reason: stop ? stoppedReason(metric.name, rung, epoch, known.value, { ...known }, early.eta, pretraining) : null,
      };
    }
    const { split, name } = splitMetric(metric.name);
    const value = metricAtEpoch(db, runId, split, name, epoch);
    if (value === undefined) {
      addWarning(db, runId, `Hyperband could not judge it at epoch ${epoch}: it reported no ${metric.name}`);
      return { stop: false, reason: null };
    }
    const peers = valuesAtRung(db, sweep.sweepId, rung).map((v) => asLoss(metric.goal, v));
    const j = judgeAtRung(peers, asLoss(metric.goal, value), early.eta);
    const cutoff = j.cutoff === null ? null : asLoss(metric.goal, j.cutoff);
    recordRung(db, sweep.sweepId, { runId, rung, epoch, value, decision: j.decision, cutoff, peers: j.peers });
    this.o.events.emit('sweep.changed', { sweepId: sweep.sweepId });
    if (j.decision === 'continue') return { stop: false, reason: null };
    return { stop: true, reason: stoppedReason(metric.name, rung, epoch, value, { ...j, cutoff }, early.eta, pretraining) };
  }

  /** Makes every proposal of a bayes sweep that its ended runs allow (see the determinism note above). */
  advance(sweepId: number): void {
    const { db } = this.o;
    const [summary] = listSweeps(db, sweepId);
    const runs = sweepRuns(db, sweepId);
    const first = runs[0];
    const sweep = first ? sweepOfRun(db, first.runId) : undefined;
    if (!summary || !sweep || sweep.state !== 'active' || sweep.spec.method !== 'bayes') return;
    let base: RunConfig;
    try {
      base = sweepBase(sweep.spec);
    } catch (e) {
      addWarning(db, first!.runId, `its sweep cannot propose more runs: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    // Its ranges as its plan drew them (whole numbers over whole-number fields: int_uniform).
    const spec = wholeNumberRanges(sweep.spec, base);
    const count = spec.count ?? 0;
    const lag = spec.concurrency;
    const objectives = sweepObjectives(spec);
    const space = searchSpace(spec.parameters);
    const made = runs.map((r) => ({ ...r }));
    for (let i = nextSweepIndex(db, sweepId); i < count; i++) {
      // Numbered for good: a deleted run's number (and its stream) is never used again, nor is a proposal made anew.
      if (made.some((r) => r.index <= i - lag && !ended.includes(r.status))) return;
      const trials: TpeTrial[] = made.flatMap((r): TpeTrial[] => {
        if (r.index > i - lag) return [{ params: r.params, state: 'running' }];
        const trial = sweepTrial(db, r, objectives);
        return trial ? [trial] : [];
      });
      // A proposal the studio refuses (a corner of the space too large for memory, say; the plan checked each
      // range's ends one at a time) is drawn again from the next stream: the sweep goes on, as determined as before.
      let point: SweepPoint | undefined;
      let issues: FieldIssue[] = [];
      for (let attempt = 0; attempt < proposalAttempts && !point; attempt++) {
        const stream = attempt === 0 ? deriveSeed(spec.seed, i) : deriveSeed(deriveSeed(spec.seed, i), attempt);
        const params = proposeTpe(space, trials, createRng(stream), { startupTrials: spec.startup_trials });
        const combo = Object.keys(spec.parameters).map((p) => params[p] ?? null);
        const made = sweepPoints(spec, base, [combo], (c) => checkRun(c, this.o.datasets));
        if (made.issues.length === 0) point = made.points[0];
        else issues = made.issues;
      }
      if (!point) {
        // Left out for good (its number taken): the sweep goes on to its end instead of waiting for it forever.
        if (!skipSweepIndex(db, sweepId, i)) return;
        addWarning(
          db,
          first!.runId,
          `its sweep left out proposal ${i + 1}: none of ${proposalAttempts} draws was accepted (${issues.map((x) => `${x.path}: ${x.message}`).join('; ')})`,
        );
        this.o.events.emit('sweep.changed', { sweepId });
        continue;
      }
      const runId = addSweepRun(db, sweepId, i, point, configHash, sweep.slurm ? 'slurm' : 'local');
      // Another studio on this database made proposal i first (the same one): it goes on from there.
      if (runId === null) return;
      made.push({
        runId,
        index: i,
        name: point.name,
        status: 'queued',
        params: point.params,
        epochs: point.config.training.epochs,
        trained: 0,
        pretraining: pretrainingEpochs(point.config),
      });
      this.o.events.emit('run.status', { runId, status: 'queued', error: null, backend: null });
      this.o.events.emit('sweep.changed', { sweepId });
      if (sweep.slurm && this.o.submitRemote)
        this.o.submitRemote(sweepId, runId, point.config, i).catch((e: unknown) => {
          // Refused by the cluster: the run fails with why, and the sweep goes on with its next proposal.
          const error = `Slurm refused it: ${e instanceof Error ? e.message : String(e)}`;
          if (finishRun(db, runId, 'failed', error))
            this.o.events.emit('run.status', { runId, status: 'failed', error, backend: null });
        });
    }
    this.o.orchestrator.schedule();
  }
}

/**
 * A run's result as TPE reads it: its metric(s) at its last epoch, or the value at the highest rung a stopped run
 * reached. A metric that ended as NaN (not stored) makes no trial, as Optuna leaves out a trial that returned NaN;
 * an earlier epoch's value would pass a diverged run off as a good one.
 */
export function sweepTrial(
  db: Db,
  { runId, status, params, trained }: { runId: number; status: RunStatus; params: Record<string, SweepValue>; trained: number },
  objectives: ReturnType<typeof sweepObjectives>,
): TpeTrial | null {
  if (status === 'completed') {
    const values = objectives.map((o) => {
      const { split, name } = splitMetric(o.name);
      const v = metricAtEpoch(db, runId, split, name, trained);
      return v === undefined ? undefined : asLoss(o.goal, v);
    });
    if (values.some((v) => v === undefined || !Number.isFinite(v))) return null;
    return { params, state: 'complete', losses: values as number[] };
  }
  if (status === 'stopped') {
    const last = runRungs(db, runId).at(-1);
    const goal = objectives[0]?.goal ?? 'minimize';
    return last ? { params, state: 'pruned', step: last.epoch, losses: [asLoss(goal, last.value)] } : null;
  }
  return null;
}
