/**
 * What `train` and `resume` share: their flags, `--set` overrides, the line that says what a run trains on, and
 * following the run to its end with its progress on stderr and one JSON line of results on stdout.
 */
import type { DatasetCatalog } from '../../core/datasets/catalog';
import { ApiError } from '../../core/errors';
import { familySpec } from '../../families/specs';
import { epochsInWords } from '../../families/run-config';
import { stoppedEarlyText, type RunProgress, type StudioEvent } from '../../shared/api';
import type { RunConfig } from '../../shared/config';
import { ConfigPathError, parseCliValue, setConfigPath } from '../../shared/config-path';
import type { CliStudio } from '../remote';
import { dbAndJson, fmt, remoteFlags, UsageError } from '../runner';

/**
 * A split's latest metrics for the result line, by name. A per-dimension set the family declares (the VAE's
 * kl_dim_0, kl_dim_1, …) becomes one list under its prefix (`kl_dim`, dimension 0 first: `kl_dim[3]` is `kl_dim_3`,
 * the name a rule reads).
 */
export function resultMetrics(
  latest: readonly { split: string; name: string; value: number }[],
  split: 'train' | 'test',
  perDimension: readonly string[],
): Record<string, number | number[]> {
  const own = latest.filter((m) => m.split === split && m.name !== 'batch_loss');
  const dimensionOf = (name: string, prefix: string) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length));
  const out: Record<string, number | number[]> = {};
  for (const m of own) if (!perDimension.some((p) => dimensionOf(m.name, p))) out[m.name] = m.value;
  for (const prefix of perDimension) {
    const dims = own
      .filter((m) => dimensionOf(m.name, prefix))
      .sort((a, b) => Number(a.name.slice(prefix.length)) - Number(b.name.slice(prefix.length)));
    if (dims.length > 0) out[prefix.replace(/_$/, '')] = dims.map((m) => m.value);
  }
  return out;
}

/** The flags `train` and `resume` share. */
export const runFlags = {
  ...dbAndJson,
  ...remoteFlags,
  set: { type: 'string', multiple: true },
  'max-concurrent': { type: 'string' },
} as const;

/** `--set path=value`, each checked as a config path; values parse as JSON where they can. */
export function setOverrides(raw: unknown, sets: readonly string[] | undefined): void {
  for (const item of sets ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${item}: expected PATH=VALUE, e.g. --set model.beta=4`);
    try {
      setConfigPath(raw, item.slice(0, eq), parseCliValue(item.slice(eq + 1)));
    } catch (e) {
      if (e instanceof ConfigPathError) throw new UsageError(`--set ${e.message}`);
      throw e;
    }
  }
}

/**
 * Says at the start what a run trains on: the data set, images per split, epochs, the backend asked for.
 * A remote run names the host instead of counting images (its data sets are there, not here).
 */
export function announce(config: RunConfig, catalog: DatasetCatalog | undefined, json: boolean, remote?: string): void {
  if (json) return;
  const set = config.dataset.second ? `${config.dataset.name} + ${config.dataset.second}` : config.dataset.name;
  const subset =
    config.dataset.trainSubset !== undefined ? ` (a subset: dataset.trainSubset = ${config.dataset.trainSubset})` : '';
  let images = `the host's images${subset}`;
  if (catalog) {
    const ds = catalog.open(config.dataset);
    const held = ds.validation ? ` + ${ds.validation.count} validation` : '';
    images = `${ds.train.count} train${held} / ${ds.test.count} test images${subset}`;
  }
  process.stderr.write(
    `training ${config.family} on ${set}${remote ? ` at the studio ${remote}` : ''}: ${images}` +
      `, ${epochsInWords(config, config.training.epochs)}, batch ${config.training.batchSize}, backend ${config.backend ?? 'auto'}\n`,
  );
}

/** The id of the run (or evaluation) an event is about, if it is about one. */
function runOf(e: StudioEvent): number | undefined {
  return 'runId' in e.payload ? e.payload.runId : undefined;
}

/** Prints a run's progress on stderr (or its events as JSON lines), waits for its end, and prints one result line. */
export async function follow(studio: CliStudio, json: boolean, start: () => Promise<number>): Promise<number> {
  const started = performance.now();
  // Only this run's events: a host may be training others. Those before its id is known wait for it.
  let runId: number | undefined;
  const early: StudioEvent[] = [];
  const print = (e: StudioEvent) => {
    if (json) {
      if (e.name !== 'run.metrics') process.stdout.write(`${JSON.stringify({ event: e.name, ...e.payload })}\n`);
      return;
    }
    if (e.name === 'run.progress') {
      const p: RunProgress = e.payload;
      process.stderr.write(
        `epoch ${p.epoch}/${p.epochs}  step ${p.step}/${p.totalSteps}  loss ${fmt(p.batchLoss)}  ${p.samplesPerSec.toFixed(0)} samples/s  eta ${p.etaSeconds.toFixed(0)}s\n`,
      );
    } else if (e.name === 'run.status') {
      const backend = e.payload.backend ? ` on ${e.payload.backend}` : '';
      process.stderr.write(
        `run ${e.payload.runId}: ${e.payload.status}${backend}${e.payload.error ? ` (${e.payload.error})` : ''}\n`,
      );
    } else if (e.name === 'run.warning') {
      process.stderr.write(`warning: ${e.payload.message}\n`);
    }
  };
  studio.events.on((e) => {
    const of = runOf(e);
    if (of === undefined || of === runId) print(e);
    else if (runId === undefined) early.push(e);
  });
  try {
    runId = await start();
  } catch (e) {
    await studio.close();
    if (e instanceof ApiError) throw new UsageError(e.message);
    throw e;
  }
  const id = runId;
  for (const e of early.splice(0)) if (runOf(e) === id) print(e);
  const onSignal = () => studio.cancelRun(id);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await studio.whenRunEnded(id);
  const run = await studio.api['runs.get']({ runId: id });
  const perDimension = (familySpec(run.family)?.metrics ?? []).flatMap((m) => (m.perDimension ? [m.perDimension] : []));
  const metricsOf = (split: 'train' | 'test') => resultMetrics(run.latest, split, perDimension);
  const result = {
    runId: id,
    status: run.status,
    train: metricsOf('train'),
    test: metricsOf('test'),
    backend: run.backend,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    ...(run.error ? { error: run.error } : {}),
    ...(run.stoppedEarly ? { stoppedEarly: run.stoppedEarly } : {}),
  };
  if (run.stoppedEarly && !json)
    process.stderr.write(
      `run ${id}: ${stoppedEarlyText(run.stoppedEarly, run.defaultCheckpoint, (run.pretrainingEpochs ?? 0) + run.epochs)}\n`,
    );
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await studio.close();
  return run.status === 'completed' ? 0 : 1;
}
