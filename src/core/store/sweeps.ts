import type { RunStatus, SweepSummary } from '../../shared/api';
import type { RunConfig } from '../../shared/config';
import { pretrainingEpochs } from '../../families/run-config';
import type { SlurmSweepInfo } from '../../shared/slurm';
import type { SweepPoint, SweepSpec, SweepValue } from '../../shared/sweep';
import { nowIso, type Db } from './db';
import { insertRun, ensureExperiment } from './runs';
import { stmt } from './statements';
import { labelsOf, type LabelColumns } from './labels';

interface SweepRow extends LabelColumns {
  id: number;
  name: string;
  experiment: string;
  method: 'grid' | 'random' | 'bayes';
  spec_json: string;
  state: 'active' | 'cancelled';
  created_at: string;
  slurm_json: string | null;
  next_index: number;
}

const selectSweep = `SELECT s.id, s.name, e.name AS experiment, s.method, s.spec_json, s.state, s.created_at, s.slurm_json, s.next_index,
  s.tags_json, s.notes, s.starred
  FROM sweeps s JOIN experiments e ON e.id = s.experiment_id`;

export function sweepIdByName(db: Db, name: string): number | undefined {
  return stmt<[string], { id: number }>(db, 'SELECT id FROM sweeps WHERE name = ?').get(name)?.id;
}

/** Stores a sweep and queues all its runs in one transaction: either every run is queued or none is. */
export function insertSweep(
  db: Db,
  spec: SweepSpec,
  points: readonly SweepPoint[],
  hash: (config: RunConfig) => string,
  /** 'slurm': its runs wait for the cluster, not for this machine's queue. */
  executor: 'local' | 'slurm' = 'local',
): { sweepId: number; runIds: number[] } {
  return db.transaction(() => {
    const experimentId = ensureExperiment(db, spec.name);
    const sweepId = Number(
      stmt(
        db,
        `INSERT INTO sweeps (experiment_id, name, method, spec_json, state, created_at) VALUES (?, ?, ?, ?, 'active', ?)`,
      ).run(experimentId, spec.name, spec.method, JSON.stringify(spec), nowIso()).lastInsertRowid,
    );
    const tag = stmt(db, 'UPDATE runs SET sweep_id = ?, sweep_params = ?, sweep_index = ? WHERE id = ?');
    const runIds = points.map((p, i) => {
      const runId = insertRun(db, p.config, hash(p.config), executor);
      tag.run(sweepId, JSON.stringify(p.params), i, runId);
      return runId;
    });
    stmt(db, 'UPDATE sweeps SET next_index = ? WHERE id = ?').run(points.length, sweepId);
    return { sweepId, runIds };
  })();
}

/** The sweep a run belongs to, with its spec and state; undefined outside a sweep. */
export function sweepOfRun(
  db: Db,
  runId: number,
): { sweepId: number; spec: SweepSpec; state: 'active' | 'cancelled'; slurm: SlurmSweepInfo | null } | undefined {
  const row = stmt<[number], { id: number; spec_json: string; state: 'active' | 'cancelled'; slurm_json: string | null }>(
    db,
    'SELECT s.id, s.spec_json, s.state, s.slurm_json FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE r.id = ?',
  ).get(runId);
  return row
    ? {
        sweepId: row.id,
        spec: JSON.parse(row.spec_json) as SweepSpec,
        state: row.state,
        slurm: row.slurm_json ? (JSON.parse(row.slurm_json) as SlurmSweepInfo) : null,
      }
    : undefined;
}

/**
 * The number the sweep's next run takes (its random stream, its Slurm task): one more than any run it ever queued,
 * deleted ones included.
 */
export function nextSweepIndex(db: Db, sweepId: number): number {
  return stmt<[number], { next_index: number }>(db, 'SELECT next_index FROM sweeps WHERE id = ?').get(sweepId)?.next_index ?? 0;
}

/** Takes number `index` with no run (a proposal the studio refused); false when another studio took it first. */
export function skipSweepIndex(db: Db, sweepId: number, index: number): boolean {
  return stmt(db, 'UPDATE sweeps SET next_index = ? WHERE id = ? AND next_index = ?').run(index + 1, sweepId, index).changes > 0;
}

/**
 * Queues one more run of a sweep (a bayes sweep's next proposal) as number `index`; refused (null) when another
 * studio on this database took that number first.
 */
export function addSweepRun(
  db: Db,
  sweepId: number,
  index: number,
  point: SweepPoint,
  hash: (config: RunConfig) => string,
  executor: 'local' | 'slurm' = 'local',
): number | null {
  return db
    .transaction(() => {
      const taken = stmt(db, 'UPDATE sweeps SET next_index = ? WHERE id = ? AND next_index = ?').run(index + 1, sweepId, index);
      if (taken.changes === 0) return null;
      const runId = insertRun(db, point.config, hash(point.config), executor);
      stmt(db, 'UPDATE runs SET sweep_id = ?, sweep_params = ?, sweep_index = ? WHERE id = ?').run(
        sweepId,
        JSON.stringify(point.params),
        index,
        runId,
      );
      return runId;
    })
    .immediate();
}

export function setSweepState(db: Db, sweepId: number, state: 'active' | 'cancelled'): void {
  stmt(db, 'UPDATE sweeps SET state = ? WHERE id = ?').run(state, sweepId);
}

interface RunTiming {
  sweep_id: number;
  status: RunStatus;
  started_at: string | null;
  ended_at: string | null;
}

const emptyCounts = (): Record<RunStatus, number> => ({
  queued: 0,
  running: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  interrupted: 0,
  stopped: 0,
});

/**
 * Seconds until a sweep's last run ends, from its pace so far: the time from its first run's start to its
 * last run's end, per run ended, times the runs left. The pace includes what a run's duration does not (a
 * worker's start, the queue's gaps) and the concurrency the scheduler gave it.
 */
function eta(runs: readonly RunTiming[], planned: number): number | null {
  const left = runs.filter((r) => r.status === 'queued' || r.status === 'running').length + Math.max(0, planned - runs.length);
  if (left === 0) return 0;
  const ended = runs.filter((r) => r.status === 'completed' && r.ended_at);
  const starts = runs.flatMap((r) => (r.started_at ? [Date.parse(r.started_at)] : []));
  if (ended.length === 0 || starts.length === 0) return null;
  const last = ended.reduce((t, r) => Math.max(t, Date.parse(r.ended_at as string)), -Infinity);
  const first = starts.reduce((a, b) => Math.min(a, b), Infinity);
  const pace = (last - first) / 1000 / ended.length;
  return Math.max(0, pace * left);
}

/** Every sweep with its runs counted by status, in two queries. */
export function listSweeps(db: Db, sweepId?: number): SweepSummary[] {
  const sweeps = stmt<[number | null, number | null], SweepRow>(
    db,
    `${selectSweep} WHERE ? IS NULL OR s.id = ? ORDER BY s.id DESC`,
  ).all(sweepId ?? null, sweepId ?? null);
  const runs = stmt<[number | null, number | null], RunTiming>(
    db,
    `SELECT sweep_id, status, started_at, ended_at FROM runs WHERE sweep_id IS NOT NULL AND (? IS NULL OR sweep_id = ?)`,
  ).all(sweepId ?? null, sweepId ?? null);
  const bySweep = new Map<number, RunTiming[]>();
  for (const r of runs) {
    const list = bySweep.get(r.sweep_id) ?? [];
    list.push(r);
    bySweep.set(r.sweep_id, list);
  }
  return sweeps.map((s) => {
    const mine = bySweep.get(s.id) ?? [];
    const counts = emptyCounts();
    for (const r of mine) counts[r.status] += 1;
    const spec = JSON.parse(s.spec_json) as SweepSpec;
    // A bayes sweep's runs, and the proposals it has yet to make (a deleted run's is not made again).
    const planned = spec.method === 'bayes' ? mine.length + Math.max(0, (spec.count ?? 0) - s.next_index) : mine.length;
    return {
      id: s.id,
      name: s.name,
      experiment: s.experiment,
      method: s.method,
      createdAt: s.created_at,
      state: s.state,
      total: mine.length,
      planned,
      counts,
      parameters: Object.keys(spec.parameters),
      etaSeconds: s.state === 'cancelled' ? null : eta(mine, planned),
      slurm: s.slurm_json ? (JSON.parse(s.slurm_json) as SlurmSweepInfo) : null,
      ...labelsOf(s),
    };
  });
}

export function getSweepSpec(db: Db, sweepId: number): SweepSpec | undefined {
  const row = stmt<[number], { spec_json: string }>(db, 'SELECT spec_json FROM sweeps WHERE id = ?').get(sweepId);
  return row ? (JSON.parse(row.spec_json) as SweepSpec) : undefined;
}

export function sweepRuns(
  db: Db,
  sweepId: number,
): {
  runId: number;
  index: number;
  name: string;
  status: RunStatus;
  params: Record<string, SweepValue>;
  epochs: number;
  trained: number;
  pretraining: number;
}[] {
  return stmt<
    [number],
    {
      id: number;
      sweep_index: number;
      name: string;
      status: RunStatus;
      sweep_params: string | null;
      epochs: number;
      trained: number | null;
      config_json: string;
    }
  >(
    db,
    `SELECT r.id, r.sweep_index, r.name, r.status, r.sweep_params, r.epochs, r.config_json,
       (SELECT max(m.epoch) FROM metrics m WHERE m.run_id = r.id AND m.split = 'train' AND m.name = 'loss') AS trained
     FROM runs r WHERE r.sweep_id = ? ORDER BY r.sweep_index`,
  )
    .all(sweepId)
    .map((r) => ({
      runId: r.id,
      index: r.sweep_index,
      name: r.name,
      status: r.status,
      params: r.sweep_params ? (JSON.parse(r.sweep_params) as Record<string, SweepValue>) : {},
      epochs: r.epochs,
      trained: r.trained ?? 0,
      // A phased family's pretraining, which `trained` counts and `epochs` does not (nor Hyperband's rungs).
      pretraining: pretrainingEpochs(JSON.parse(r.config_json) as RunConfig),
    }));
}

/** Runs of active sweeps stopped by their studio: a sweep is a job the user asked to see to its end. */
export function activeSweepRunsStoppedWithStudio(db: Db, studioStopped: string): number[] {
  return stmt<[string], { id: number }>(
    db,
    `SELECT r.id FROM runs r JOIN sweeps s ON s.id = r.sweep_id
     WHERE s.state = 'active' AND r.status = 'interrupted' AND r.error LIKE ? ORDER BY r.id`,
  )
    .all(`${studioStopped}%`)
    .map((r) => r.id);
}

export function setSweepSlurm(db: Db, sweepId: number, info: SlurmSweepInfo): void {
  stmt(db, 'UPDATE sweeps SET slurm_json = ? WHERE id = ?').run(JSON.stringify(info), sweepId);
}

/** Removes a sweep and its runs (a submission the cluster refused): nothing of it is left half-written. */
/** Takes back a sweep that was never submitted: its runs, itself, and its experiment if nothing else is in it. */
export function deleteSweep(db: Db, sweepId: number): void {
  db.transaction(() => {
    const sweep = stmt<[number], { experiment_id: number }>(db, 'SELECT experiment_id FROM sweeps WHERE id = ?').get(sweepId);
    stmt(db, 'DELETE FROM runs WHERE sweep_id = ?').run(sweepId);
    stmt(db, 'DELETE FROM sweeps WHERE id = ?').run(sweepId);
    if (sweep) {
      stmt(
        db,
        `DELETE FROM experiments WHERE id = ? AND NOT EXISTS (SELECT 1 FROM runs WHERE experiment_id = ?)
           AND NOT EXISTS (SELECT 1 FROM sweeps WHERE experiment_id = ?)`,
      ).run(sweep.experiment_id, sweep.experiment_id, sweep.experiment_id);
    }
  })();
}
