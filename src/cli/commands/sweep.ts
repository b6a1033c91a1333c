/**
 * `latent-studio sweep <spec.json>`: a sweep's runs under the scheduler's limit (or as a Slurm job array with
 * `--slurm`), followed to their end, then one JSON line with every run's parameters and final figures.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ApiError } from '../../core/errors';
import { finishedStatuses, type Evaluation, type RunsTable, type SweepDetail } from '../../shared/api';
import { describeIssues, fieldIssues } from '../../shared/config';
import { SlurmOptions } from '../../shared/slurm';
import { SweepSpec } from '../../shared/sweep';
import { paretoFront } from '../../shared/pareto';
import { command, dbAndJson, intFlag, openCli, remoteFlags, UsageError } from '../runner';

/** Reads a sweep spec file; every refusal names the file and the path in it. */
function loadSweepSpec(file: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot be read (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = SweepSpec.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${basename(file)} refused: ${describeIssues(fieldIssues(parsed.error))}`);
  return parsed.data;
}

/**
 * Runs a sweep to its end under the scheduler's limit and prints one JSON line: every run's id, parameters,
 * status and final test metrics. The same spec again continues the sweep of that name (its stopped runs
 * resume, its queued runs are taken up); Ctrl-C cancels the sweep, which the same command resumes.
 */
export const sweep = command({
  name: 'sweep',
  flags: {
    ...dbAndJson,
    ...remoteFlags,
    'max-concurrent': { type: 'string' },
    slurm: { type: 'boolean', default: false },
    partition: { type: 'string' },
    time: { type: 'string' },
    'cpus-per-task': { type: 'string' },
    'gpus-per-task': { type: 'string' },
    account: { type: 'string' },
    extra: { type: 'string' },
    'max-parallel': { type: 'string' },
  },
  // sbatch's own options: `--extra "--qos=normal --constraint=a100"`.
  verbatim: ['extra'],
  positionals: true,
  async run({ values, positionals }) {
    const file = positionals[0];
    if (!file) throw new UsageError('sweep needs a sweep spec file (JSON: name, base, method, parameters)');
    const spec = loadSweepSpec(file);
    const slurmFlags = ['partition', 'time', 'cpus-per-task', 'gpus-per-task', 'account', 'extra', 'max-parallel'] as const;
    if (!values.slurm && slurmFlags.some((f) => values[f] !== undefined))
      throw new UsageError(`--${slurmFlags.find((f) => values[f] !== undefined)} is a Slurm option: add --slurm`);
    let slurm: SlurmOptions | undefined;
    if (values.slurm) {
      const parsed = SlurmOptions.safeParse({
        partition: values.partition,
        time: values.time,
        cpusPerTask: intFlag('cpus-per-task', values['cpus-per-task']),
        gpusPerTask: intFlag('gpus-per-task', values['gpus-per-task']),
        account: values.account,
        extra: values.extra,
        maxParallel: intFlag('max-parallel', values['max-parallel']),
      });
      if (!parsed.success) {
        const flag = (path: string) => `--${path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        throw new UsageError(
          `sweep --slurm refused: ${fieldIssues(parsed.error)
            .map((i) => `${flag(i.path)}: ${i.message}`)
            .join('; ')}`,
        );
      }
      slurm = parsed.data;
    }
    return runSweep(spec, slurm, values, basename(file), (result) => process.stdout.write(`${JSON.stringify(result)}\n`));
  },
});

/** What a finished sweep prints: every run's parameters, status and figures (and the Pareto front of `metrics`). */
export interface SweepResult {
  sweepId: number;
  name: string;
  pareto?: number[];
  runs: {
    id: number;
    name: string;
    params: Record<string, unknown>;
    status: string;
    test: Record<string, number>;
    /** The validation split's, where its runs hold one out. */
    val?: Record<string, number>;
    eval: Record<string, number>;
  }[];
}

/**
 * Creates the sweep (or continues the one of that name with the same spec), follows it to its end under the
 * scheduler's limit, waits for the evaluations it asked for, and hands the result to `print`; resolves with the
 * exit code (0 when every run completed or was stopped by Hyperband). Ctrl-C cancels the sweep.
 */
export async function runSweep(
  spec: SweepSpec,
  slurm: SlurmOptions | undefined,
  values: { json?: boolean | undefined; db?: string | undefined } & Parameters<typeof openCli>[0],
  source: string,
  print: (result: SweepResult, detail: SweepDetail, table: RunsTable) => void,
): Promise<number> {
  const studio = await openCli(values);
  const say = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  let sweepId: number;
  try {
    const existing = (await studio.api['sweeps.list']({})).find((s) => s.name === spec.name);
    if (existing) {
      const stored = await studio.api['sweeps.get']({ sweepId: existing.id });
      if (JSON.stringify(stored.spec) !== JSON.stringify(spec)) {
        throw new UsageError(
          `${source} refused: name: a different sweep named ${spec.name} exists (sweep ${existing.id}); choose another name`,
        );
      }
      sweepId = existing.id;
      say(`sweep ${sweepId} (${spec.name}) exists: continuing it`);
      await studio.api['sweeps.resume']({ sweepId });
    } else {
      const created = await studio.api['sweeps.create']({ spec, ...(slurm ? { slurm } : {}) });
      sweepId = created.sweepId ?? 0;
      for (const w of created.warnings ?? []) say(`warning: ${w}`);
      if (slurm) {
        const info = (await studio.api['sweeps.get']({ sweepId })).slurm;
        say(
          `sweep ${sweepId} (${spec.name}): ${created.runs.length} runs submitted to Slurm as job array ${info?.jobId ?? '?'}; ` +
            `batch script ${info?.script ?? '?'}`,
        );
      } else {
        const { maxConcurrent } = await studio.api['scheduler.get']({});
        say(`sweep ${sweepId} (${spec.name}): ${created.runs.length} runs queued, ${maxConcurrent} at a time`);
      }
    }
  } catch (e) {
    await studio.close();
    if (e instanceof ApiError) throw new UsageError(`${source} refused: ${e.message.replace(/^invalid sweep: /, '')}`);
    throw e;
  }
  const id = sweepId;
  const counts = async () => {
    const s = (await studio.api['sweeps.get']({ sweepId: id })).counts;
    return `${s.completed} done · ${s.running} running · ${s.queued} queued${s.stopped ? ` · ${s.stopped} stopped by Hyperband` : ''}${s.failed ? ` · ${s.failed} failed` : ''}${s.cancelled + s.interrupted ? ` · ${s.cancelled + s.interrupted} stopped` : ''}`;
  };
  // A progress line per run that ends; one the counts could not be read for (a host that stopped answering for a
  // moment) is said without them: the wait below asks again until the host answers.
  studio.events.on((e) => {
    if (e.name === 'run.status' && finishedStatuses.includes(e.payload.status)) {
      const line = `run ${e.payload.runId}: ${e.payload.status}${e.payload.error ? ` (${e.payload.error})` : ''}`;
      counts().then(
        (c) => say(`${line}; ${c}`),
        () => say(line),
      );
    }
  });
  // Ctrl-C cancels the sweep and the evaluations it started (those of its `evaluate`); running the command again
  // evaluates what they left. `cancelled` is set at once, so that the wait below starts nothing more meanwhile.
  let cancelled = false;
  const what = [...(spec.evaluate?.what ?? [])].sort().join(',');
  const sweeps = (e: Evaluation) => [...e.what].sort().join(',') === what;
  const open = (e: Evaluation) => e.status === 'queued' || e.status === 'running';
  const openEvaluations = async () =>
    (
      await Promise.all(
        (await studio.api['sweeps.get']({ sweepId: id })).runs.map(async (r) =>
          (await studio.api['evaluations.list']({ runId: r.runId })).filter((e) => open(e) && sweeps(e)),
        ),
      )
    ).flat();
  const failed = (doing: string) => (e: unknown) => {
    // Said even with --json: the sweep goes on.
    process.stderr.write(`sweep ${id}: ${doing} failed (${e instanceof Error ? e.message : String(e)})\n`);
  };
  const onSignal = () => {
    cancelled = true;
    void studio.api['sweeps.cancel']({ sweepId: id }).then(
      async () => {
        try {
          const evaluations = spec.evaluate ? await openEvaluations() : [];
          await Promise.all(evaluations.map((e) => studio.api['jobs.cancel']({ jobId: e.id }).catch(() => undefined)));
          say(`sweep ${id}: cancelled${evaluations.length ? `, with ${evaluations.length} evaluation(s) under way` : ''}`);
        } catch (e) {
          failed('cancelling its evaluations')(e);
        }
      },
      (e: unknown) => {
        cancelled = false;
        failed('cancelling')(e);
        process.stderr.write(`sweep ${id}: it goes on (Ctrl-C again leaves it running)\n`);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await studio.whenSweepEnded(id);
  if (spec.evaluate && !cancelled) {
    // The evaluations the sweep asks for, started as each run completed: their figures join the JSON line. A run
    // whose evaluation an earlier Ctrl-C cancelled (or that failed) is evaluated again now.
    for (const r of (await studio.api['sweeps.get']({ sweepId: id })).runs) {
      if (cancelled) break;
      const evaluations = (await studio.api['evaluations.list']({ runId: r.runId })).filter(sweeps);
      const waiting = evaluations.filter(open);
      if (r.status === 'completed' && waiting.length === 0 && !evaluations.some((e) => e.status === 'completed') && !cancelled) {
        try {
          const { evaluationId } = await studio.api['evaluations.start']({ runId: r.runId, ...spec.evaluate });
          say(`run ${r.runId}: evaluating it again (its evaluation was cancelled or failed)`);
          await studio.whenEvaluationEnded(evaluationId, r.runId);
        } catch (e) {
          say(`run ${r.runId}: not evaluated (${e instanceof Error ? e.message : String(e)})`);
        }
      }
      for (const e of waiting) {
        if (cancelled) break;
        say(`run ${r.runId}: waiting for evaluation ${e.id} (${e.what.join(', ')})`);
        await studio.whenEvaluationEnded(e.id, r.runId);
      }
    }
  }
  const detail = await studio.api['sweeps.get']({ sweepId: id });
  const table = await studio.api['runs.table']({ sweepId: id });
  const byId = new Map(table.rows.map((r) => [r.id, r]));
  // Several objectives: the runs no other run beats on all of them.
  const objectives = spec.metrics ?? [];
  const front =
    objectives.length > 1
      ? paretoFront(
          table.rows.filter((r) => r.status === 'completed'),
          (r) => objectives.map((o) => r.metrics[o.name]),
          objectives.map((o) => (o.goal === 'minimize' ? 'min' : 'max')),
        ).map((r) => r.id)
      : undefined;
  if (front) say(`Pareto front (${objectives.map((o) => o.name).join(', ')}): runs ${front.join(', ')}`);
  const result: SweepResult = {
    sweepId: id,
    name: spec.name,
    ...(front ? { pareto: front } : {}),
    runs: detail.runs.map((r) => {
      const row = byId.get(r.runId);
      const of = (split: string) =>
        Object.fromEntries(
          Object.entries(row?.metrics ?? {})
            .filter(([k]) => k.startsWith(`${split}.`))
            .map(([k, v]) => [k.slice(split.length + 1), v]),
        );
      const val = of('val');
      return {
        id: r.runId,
        name: r.name,
        params: r.params,
        status: r.status,
        test: of('test'),
        ...(Object.keys(val).length > 0 ? { val } : {}),
        eval: of('eval'),
      };
    }),
  };
  print(result, detail, table);
  await studio.close();
  return detail.runs.every((r) => r.status === 'completed' || r.status === 'stopped') ? 0 : 1;
}
