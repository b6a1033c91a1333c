/**
 * What the sweep view draws of an adaptive sweep: the best value so far run after run (a bayes sweep's progress), and
 * how far each run got (Hyperband's rungs).
 */
import type { RunsTable, SweepDetail } from '../../../shared/api';
import { rungEpochs, stoppedReason, sweepObjectives, wentOnReason } from '../../../shared/sweep-search';

export interface SearchPoint {
  /** The run's place in the sweep (1 is the first proposal). */
  index: number;
  runId: number;
  name: string;
  status: SweepDetail['runs'][number]['status'];
  /** Its final value (completed), or its value at the last rung it reached (stopped); null before it has one. */
  value: number | null;
  /** The best final value of the runs up to it (completed runs only); null before the first. */
  best: number | null;
}

/** The sweep's first objective, if it has one. */
export function searchObjective(sweep: Pick<SweepDetail, 'spec'>): { name: string; goal: 'minimize' | 'maximize' } | null {
  return sweepObjectives(sweep.spec)[0] ?? null;
}

export function bestSoFar(sweep: Pick<SweepDetail, 'spec' | 'runs' | 'rungs'>, rows: RunsTable['rows']): SearchPoint[] {
  const objective = searchObjective(sweep);
  if (!objective) return [];
  const better = (a: number, b: number) => (objective.goal === 'minimize' ? a < b : a > b);
  const byId = new Map(rows.map((r) => [r.id, r]));
  let best: number | null = null;
  return sweep.runs.map((run, i) => {
    let value: number | null = null;
    if (run.status === 'completed') {
      const v = byId.get(run.runId)?.metrics[objective.name];
      value = v !== undefined && Number.isFinite(v) ? v : null;
      if (value !== null && (best === null || better(value, best))) best = value;
    } else if (run.status === 'stopped') {
      value = sweep.rungs.filter((r) => r.runId === run.runId).at(-1)?.value ?? null;
    }
    return { index: i + 1, runId: run.runId, name: run.name, status: run.status, value, best };
  });
}

/** Hyperband's rung epochs for the sweep's runs (the longest run's), or none without early termination. */
export function sweepRungEpochs(sweep: Pick<SweepDetail, 'spec' | 'runs'>): number[] {
  const early = sweep.spec.early_terminate;
  if (!early) return [];
  return rungEpochs(early, Math.max(0, ...sweep.runs.map((r) => r.epochs)));
}

/**
 * Each run's bar: the epochs it trained of the epochs it would train, and where it was stopped, in the epochs
 * Hyperband counts: those after a phased family's pretraining (its rungs are at those epochs).
 */
export function rungBars(sweep: Pick<SweepDetail, 'runs' | 'rungs'> & { spec?: SweepDetail['spec'] }): {
  runId: number;
  label: string;
  trained: number;
  epochs: number;
  status: SweepDetail['runs'][number]['status'];
  stoppedAt: number | null;
  /** What Hyperband decided at each rung the run reached, in words, with the figures it judged (the chart's tooltip). */
  rungs: string[];
}[] {
  const metric = sweep.spec?.metric?.name ?? 'the metric';
  const eta = sweep.spec?.early_terminate?.eta ?? 3;
  return sweep.runs.map((run, i) => {
    const pre = run.pretraining ?? 0;
    const records = sweep.rungs.filter((r) => r.runId === run.runId).sort((a, b) => a.rung - b.rung);
    const stopped = records.find((r) => r.decision === 'stopped')?.epoch;
    return {
      runId: run.runId,
      label: `#${i + 1} · run ${run.runId}`,
      trained: Math.max(0, run.trained - pre),
      epochs: run.epochs,
      status: run.status,
      stoppedAt: stopped === undefined ? null : stopped - pre,
      rungs: records.map((r) =>
        r.decision === 'stopped'
          ? stoppedReason(metric, r.rung, r.epoch, r.value, r, eta, pre)
          : wentOnReason(metric, r, eta, pre),
      ),
    };
  });
}

/** A sentence broken into lines of at most `width` characters at spaces (a chart's tooltip draws no wrapping of its own). */
export function wrapLines(text: string, width = 56): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
