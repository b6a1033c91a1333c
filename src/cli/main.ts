import { existsSync, readFileSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { finishedStatuses, type RunProgress, type RunSummary, type StudioEvent } from '../shared/api';
import { SweepSpec } from '../shared/sweep';
import { SlurmOptions } from '../shared/slurm';
import { runSlurmTask } from '../core/slurm/task';
import { runsTableCsv } from '../shared/runs-table';
import { describeIssues, fieldIssues, type RunConfig } from '../shared/config';
import { parseRunConfig } from '../families/run-config';
import { ConfigPathError, parseCliValue, setConfigPath } from '../shared/config-path';
import { EvaluationRequest, GenerateRequest, ImportRequest } from '../shared/api';
import { DatasetCatalog, DatasetError } from '../core/datasets/catalog';
import { DatasetFileError } from '../core/datasets/idx';
import { DatasetExistsError } from '../core/datasets/store';
import { loadFamilyModules } from '../families/family-modules';
import { familySpec, registeredFamilySpecs } from '../families/specs';
import { datasetsDirFor, defaultDbPath } from '../core/paths';
import { createStudio, findPreset, type Studio } from '../core/studio';
import { forkLauncher } from '../core/training/fork-launcher';
import { checkRun } from '../core/run-checks';
import { ApiError } from '../core/errors';
import { startHost } from '../host/server';
import { outFolderProblem } from './out-folder';
import { maxTokenLength, RemoteTargetError, resolveRemoteTarget, tokenEnvVar } from '../shared/remote-target';
import { localCliStudio, openRemote, RemoteError, type CliStudio } from './remote';
import { priorCommand, sampleCommand, type CliDeps } from './prior';

const usage = `latent-studio: train and compare autoencoders from the command line

  latent-studio train <config.json | preset> [--set PATH=VALUE ...] [--db PATH] [--json] [--epochs N] [--subset N] [--seed N]
                     [--max-concurrent N]
  latent-studio resume <runId> [--set training.epochs=N] [--db PATH] [--json]
  latent-studio export <runId> --out DIR [--latents [--epoch N]] [--db PATH] [--json]
  latent-studio evaluate <runId> [--what clustering,probe,disentanglement,nll] [--epoch N] [--seed N] [--nll-samples K]
                         [--score-points N] [--db PATH] [--json]
  latent-studio prior <runId> [--epochs N] [--seed N] [--db PATH] [--json]
  latent-studio sample <runId> --n N --out DIR [--seed N] [--class C] [--db PATH] [--json]
  latent-studio sweep <spec.json> [--db PATH] [--max-concurrent N] [--json]
                      [--slurm [--partition P] [--time HH:MM:SS] [--cpus-per-task N] [--gpus-per-task N]
                               [--account A] [--extra "--qos=..."] [--max-parallel N]]
  latent-studio runs [--experiment NAME] [--sweep ID] [--csv] [--db PATH] [--json]
  latent-studio datasets [--db PATH] [--json]
  latent-studio import <folder | file.idx[.gz] | file.npy> [--name N] [--labels FILE] [--size PX]
                       [--channels auto|1|3] [--test-fraction F] [--seed N] [--db PATH] [--json]
  latent-studio generate <shapes | faces> [--seed N] [--count N] [--name N] [--db PATH] [--json]
  latent-studio presets [NAME] [--json]
  latent-studio serve [--db PATH] [--host 127.0.0.1] [--port 0] [--allowed-host NAME[:PORT] ...] [--max-concurrent N] [--open]

--db defaults to ${defaultDbPath()}
train, resume, runs, sweep, evaluate, prior, sample, export and datasets take --remote URL [--token-file FILE] instead of --db:
they drive the studio that latent-studio serve started at URL, with its token from ${tokenEnvVar} or the file
(never on the command line); export then writes on the host's machine and prints where.`;

class UsageError extends Error {}

/** The flags most commands share: which database, and JSON output for scripts. */
const dbAndJson = { db: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

function fail(message: string, code = 2): never {
  process.stderr.write(`latent-studio: ${message}\n`);
  process.exit(code);
}

function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got "${value}"`);
  return n;
}

/** Reads a config file (or a preset by name) and applies the command-line overrides before validation. */
export function loadConfig(source: string, overrides: { epochs?: number; subset?: number; seed?: number }): unknown {
  let raw: unknown;
  if (existsSync(source)) {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (e) {
      throw new UsageError(`${source}: cannot be read (${(e as Error).message})`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${source}: not valid JSON (${(e as Error).message})`);
    }
  } else {
    raw = findPreset(source);
    if (!raw) throw new UsageError(`${source}: no such config file or preset (see latent-studio presets)`);
  }
  if (raw && typeof raw === 'object') {
    const c = raw as { training?: Record<string, unknown>; dataset?: Record<string, unknown> };
    if (overrides.epochs !== undefined) c.training = { ...c.training, epochs: overrides.epochs };
    if (overrides.seed !== undefined) c.training = { ...c.training, seed: overrides.seed };
    if (overrides.subset !== undefined) c.dataset = { ...c.dataset, trainSubset: overrides.subset };
  }
  return raw;
}

/**
 * A studio for one command. `--max-concurrent N` sets (and keeps) the scheduler's limit; only a serving
 * studio starts runs that another studio left queued, a CLI run trains its own.
 */
function openStudio(db: string | undefined, o: { maxConcurrent?: string | undefined; serving?: boolean } = {}): Studio {
  const maxConcurrent = maxConcurrentFlag(o.maxConcurrent);
  return createStudio({
    dbPath: db ?? defaultDbPath(),
    launcher: forkLauncher(),
    transport: 'headless',
    orchestrator: { adoptQueued: o.serving ?? false, ...(maxConcurrent !== undefined ? { maxConcurrent } : {}) },
  });
}

function maxConcurrentFlag(raw: string | undefined): number | undefined {
  const maxConcurrent = intFlag('max-concurrent', raw);
  if (maxConcurrent !== undefined && (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)) {
    throw new UsageError(`--max-concurrent: expected a whole number of at least 1, got ${raw}`);
  }
  return maxConcurrent;
}

/** `--remote URL` and `--token-file FILE`: the commands that can drive a studio on another machine take them. */
const remoteFlags = { remote: { type: 'string' }, 'token-file': { type: 'string' } } as const;

interface StudioFlags {
  db?: string | undefined;
  remote?: string | undefined;
  'token-file'?: string | undefined;
  'max-concurrent'?: string | undefined;
}

/**
 * The studio a command works on: one opened here on `--db`, or the host at `--remote` (its token from
 * LATENT_STUDIO_TOKEN or `--token-file`, else from the URL with a warning). `--max-concurrent` sets the
 * scheduler's limit of either, and either keeps it.
 */
async function openCli(values: StudioFlags): Promise<CliStudio> {
  if (values.remote === undefined) {
    if (values['token-file'] !== undefined) throw new UsageError('--token-file goes with --remote URL');
    return localCliStudio(openStudio(values.db, { maxConcurrent: values['max-concurrent'] }));
  }
  if (values.db !== undefined) {
    throw new UsageError("--db names a database on this machine; with --remote the host's own database is used");
  }
  const maxConcurrent = maxConcurrentFlag(values['max-concurrent']);
  const tokenFile = values['token-file'];
  let fromFile: string | undefined;
  if (tokenFile !== undefined) {
    try {
      // A token is short: a large file is refused by its size, without reading it.
      const { size } = statSync(tokenFile);
      if (size > 4 * maxTokenLength)
        throw new UsageError(
          `--token-file ${tokenFile}: ${size} bytes, not a token (a studio's token is one line of at most ${maxTokenLength} characters)`,
        );
      fromFile = readFileSync(tokenFile, 'utf8');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--token-file ${tokenFile}: cannot be read (${(e as Error).message})`);
    }
  }
  let target;
  try {
    target = resolveRemoteTarget(values.remote, { fromFile, fromEnv: process.env[tokenEnvVar] });
  } catch (e) {
    if (e instanceof RemoteTargetError) throw new UsageError(e.message);
    throw e;
  }
  if (target.warning) process.stderr.write(`warning: ${target.warning}\n`);
  const studio = await openRemote(target);
  if (maxConcurrent !== undefined) await studio.api['scheduler.set']({ maxConcurrent });
  return studio;
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

/** The flags `train` and `resume` share. */
const runFlags = {
  ...dbAndJson,
  ...remoteFlags,
  set: { type: 'string', multiple: true },
  'max-concurrent': { type: 'string' },
} as const;

/** `--set path=value`, each checked as a config path; values parse as JSON where they can. */
function setOverrides(raw: unknown, sets: readonly string[] | undefined): void {
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

async function train(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...runFlags, epochs: { type: 'string' }, subset: { type: 'string' }, seed: { type: 'string' } },
  });
  const source = positionals[0];
  if (!source) throw new UsageError('train needs a config file or a preset name');
  const raw = loadConfig(source, {
    epochs: intFlag('epochs', values.epochs),
    subset: intFlag('subset', values.subset),
    seed: intFlag('seed', values.seed),
  });
  setOverrides(raw, values.set);
  const parsed = parseRunConfig(raw);
  // Here the config is checked against the data sets before anything is stored; a host checks it when it starts the run.
  const catalog = values.remote === undefined ? catalogFor(values.db) : undefined;
  const issues = parsed.ok ? (catalog ? checkRun(parsed.config, catalog) : []) : parsed.issues;
  if (!parsed.ok || issues.length > 0) throw new UsageError(`${basename(source)} refused: ${describeIssues(issues)}`);
  const config: RunConfig = parsed.config;
  const studio = await openCli(values);
  return follow(studio, values.json, async () => {
    try {
      const { runId } = await studio.api['runs.start']({ config });
      // After the start (its events wait for its id), so that a host's refusal is not preceded by it.
      announce(config, catalog, values.json, studio.remote);
      return runId;
    } catch (e) {
      // A host's refusal reads like this machine's: the file, then each field.
      if (e instanceof ApiError && e.code === 'bad_request' && e.issues?.length) {
        throw new UsageError(`${basename(source)} refused: ${describeIssues(e.issues)}`);
      }
      throw e;
    }
  });
}

async function resume(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: runFlags });
  const runId = intFlag('runId', positionals[0]);
  if (runId === undefined || !Number.isInteger(runId) || runId < 1)
    throw new UsageError('resume needs a run id (latent-studio runs)');
  const studio = await openCli(values);
  const run = await studio.api['runs.get']({ runId }).catch((e: unknown) => {
    if (e instanceof ApiError) return undefined;
    throw e;
  });
  if (!run) {
    await studio.close();
    throw new UsageError(`run ${runId} does not exist (latent-studio runs)`);
  }
  // Only the length of a run can change when it continues; anything else would not be the same run.
  const edited = structuredClone(run.config);
  setOverrides(edited, values.set);
  const { epochs, ...rest } = edited.training;
  const { epochs: _was, ...restBefore } = run.config.training;
  if (JSON.stringify({ ...edited, training: rest }) !== JSON.stringify({ ...run.config, training: restBefore })) {
    await studio.close();
    throw new UsageError('--set: only training.epochs can change when a run continues');
  }
  if (epochs < run.config.training.epochs) {
    await studio.close();
    throw new UsageError(`--set training.epochs=${epochs}: run ${runId} already has ${run.config.training.epochs} epochs`);
  }
  const addEpochs = epochs > run.config.training.epochs ? epochs - run.config.training.epochs : undefined;
  return follow(studio, values.json, async () => {
    const r = await studio.api['runs.resume']({ runId, ...(addEpochs ? { addEpochs } : {}) });
    for (const why of r.skipped) process.stderr.write(`warning: ${why}; using the checkpoint before it\n`);
    announce(
      { ...run.config, training: { ...run.config.training, epochs: r.epochs } },
      studio.remote === undefined ? catalogFor(values.db) : undefined,
      values.json,
      studio.remote,
    );
    if (!values.json) process.stderr.write(`run ${runId}: continuing from epoch ${r.fromEpoch} of ${r.epochs}\n`);
    return runId;
  });
}

/**
 * Says at the start what a run trains on: the data set, images per split, epochs, the backend asked for.
 * A remote run names the host instead of counting images (its data sets are there, not here).
 */
function announce(config: RunConfig, catalog: DatasetCatalog | undefined, json: boolean, remote?: string): void {
  if (json) return;
  const set = config.dataset.second ? `${config.dataset.name} + ${config.dataset.second}` : config.dataset.name;
  const subset =
    config.dataset.trainSubset !== undefined ? ` (a subset: dataset.trainSubset = ${config.dataset.trainSubset})` : '';
  let images = `the host's images${subset}`;
  if (catalog) {
    const ds = catalog.open(config.dataset);
    images = `${ds.train.count} train / ${ds.test.count} test images${subset}`;
  }
  process.stderr.write(
    `training ${config.family} on ${set}${remote ? ` at the studio ${remote}` : ''}: ${images}` +
      `, ${config.training.epochs} epochs, batch ${config.training.batchSize}, backend ${config.backend ?? 'auto'}\n`,
  );
}

/** The id of the run (or evaluation) an event is about, if it is about one. */
function runOf(e: StudioEvent): number | undefined {
  return 'runId' in e.payload ? e.payload.runId : undefined;
}

/** Prints a run's progress on stderr (or its events as JSON lines), waits for its end, and prints one result line. */
async function follow(studio: CliStudio, json: boolean, start: () => Promise<number>): Promise<number> {
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
  // Per-dimension metrics the family declares (the VAE's kl_dim_0, kl_dim_1, …) become one list each, e.g. klPerDimension.
  const perDimension = (familySpec(run.family)?.metrics ?? []).flatMap((m) => (m.perDimension ? [m.perDimension] : []));
  const metricsOf = (split: 'train' | 'test') => {
    const own = run.latest.filter((m) => m.split === split && m.name !== 'batch_loss');
    const out: Record<string, number | number[]> = {};
    for (const m of own) if (!perDimension.some((p) => m.name.startsWith(p))) out[m.name] = m.value;
    for (const prefix of perDimension) {
      const dims = own
        .filter((m) => m.name.startsWith(prefix))
        .sort((a, b) => Number(a.name.slice(prefix.length)) - Number(b.name.slice(prefix.length)));
      const key = `${prefix.replace(/_dim_$|_$/, '').replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}PerDimension`;
      if (dims.length > 0) out[key] = dims.map((m) => m.value);
    }
    return out;
  };
  const result = {
    runId: id,
    status: run.status,
    train: metricsOf('train'),
    test: metricsOf('test'),
    backend: run.backend,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    ...(run.error ? { error: run.error } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await studio.close();
  return run.status === 'completed' ? 0 : 1;
}

async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...dbAndJson,
      ...remoteFlags,
      out: { type: 'string' },
      latents: { type: 'boolean', default: false },
      epoch: { type: 'string' },
    },
  });
  const runId = intFlag('runId', positionals[0]);
  if (runId === undefined || !Number.isInteger(runId) || runId < 1)
    throw new UsageError('export needs a run id (latent-studio runs)');
  if (values.remote === undefined && !values.out) throw new UsageError('export needs --out DIR');
  if (values.remote !== undefined && values.out !== undefined) {
    throw new UsageError(
      '--out names a folder on this machine; with --remote the host writes into its own exports folder, on its machine, and prints where (copy it with scp)',
    );
  }
  const epoch = intFlag('epoch', values.epoch);
  if (epoch !== undefined && !values.latents)
    throw new UsageError('--epoch goes with --latents (a model export uses the last good checkpoint)');
  const outProblem = values.out === undefined ? null : outFolderProblem(values.out);
  if (outProblem) throw new UsageError(`--out ${values.out}: ${outProblem}; name a folder to write into`);
  const studio = await openCli(values);
  const outDir = values.out === undefined ? undefined : resolvePath(values.out);
  // A remote export lies on the host's machine: the JSON line names the host, the text says so.
  const where = (dir: string) => (studio.remote ? `${dir} on the host of ${studio.remote}` : dir);
  const host = studio.remote ? { host: studio.remote } : {};
  try {
    if (values.latents) {
      // The test codes, labels and factors as NPY and CSV, so any figure can be recomputed elsewhere.
      const result = await studio.exportLatents(runId, outDir, epoch);
      if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ...host })}\n`);
      else {
        process.stdout.write(
          `run ${runId} (checkpoint of epoch ${result.epoch}): ${result.count} test codes of ${result.dim} dimensions in ${where(result.outDir)}:\n`,
        );
        for (const f of result.files) process.stdout.write(`  ${f}\n`);
      }
      return 0;
    }
    const result = await studio.exportRun(runId, outDir);
    if (values.json) process.stdout.write(`${JSON.stringify({ ...result, ...host })}\n`);
    else {
      process.stdout.write(`run ${runId} (checkpoint of epoch ${result.epoch}) exported to ${where(result.outDir)}:\n`);
      for (const f of result.files) process.stdout.write(`  ${f}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ApiError) throw new UsageError(e.message);
    throw e;
  } finally {
    await studio.close();
  }
}

/**
 * Evaluates a stopped run's latent space at a checkpoint in a worker and prints one JSON line with the figures:
 * `{"evaluationId":1,"runId":3,"epoch":2,"status":"completed","figures":{"kmeans_acc":…},"seconds":…}`.
 * Exits 0 when it completes, 1 when it fails, 2 when the request is refused (naming the field).
 */
async function evaluate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...dbAndJson,
      ...remoteFlags,
      what: { type: 'string', default: 'clustering,probe' },
      epoch: { type: 'string' },
      seed: { type: 'string' },
      'nll-samples': { type: 'string' },
      'score-points': { type: 'string' },
    },
  });
  const request = EvaluationRequest.safeParse({
    runId: intFlag('runId', positionals[0]),
    what: values.what.split(',').map((w) => w.trim()),
    epoch: intFlag('epoch', values.epoch),
    seed: intFlag('seed', values.seed),
    nllSamples: intFlag('nll-samples', values['nll-samples']),
    scorePoints: intFlag('score-points', values['score-points']),
  });
  if (!request.success) throw new UsageError(`evaluate refused: ${describeIssues(fieldIssues(request.error))}`);
  const started = performance.now();
  const studio = await openCli(values);
  try {
    // Only this evaluation's changes (a host may run others); those before its id is known wait for it.
    let evaluationId = 0; // until evaluations.start answers (ids start at 1)
    const early: { evaluationId: number; line: string }[] = [];
    studio.events.on((e) => {
      if (values.json || e.name !== 'evaluation.status') return;
      const line = `evaluation ${e.payload.evaluationId}: ${e.payload.status}${e.payload.error ? ` (${e.payload.error})` : ''}\n`;
      if (e.payload.evaluationId === evaluationId) process.stderr.write(line);
      else if (evaluationId === 0) early.push({ evaluationId: e.payload.evaluationId, line });
    });
    const id = (await studio.api['evaluations.start'](request.data)).evaluationId;
    evaluationId = id;
    for (const e of early.splice(0)) if (e.evaluationId === id) process.stderr.write(e.line);
    // Ctrl-C: the evaluation is cancelled and its worker killed (a host's goes on).
    const onSignal = () => {
      studio.stopEvaluation(id);
      if (studio.remote) process.stderr.write(`evaluation ${id} goes on at ${studio.remote}\n`);
      process.exit(1);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    await studio.whenEvaluationEnded(id, request.data.runId);
    const evaluation = (await studio.api['evaluations.list']({ runId: request.data.runId })).find((x) => x.id === id);
    if (!evaluation) throw new Error(`evaluation ${id} was deleted with its run`);
    const result = {
      evaluationId: id,
      runId: evaluation.runId,
      epoch: evaluation.epoch,
      what: evaluation.what,
      seed: evaluation.seed,
      status: evaluation.status,
      figures: evaluation.figures,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      ...(evaluation.error ? { error: evaluation.error } : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return evaluation.status === 'completed' ? 0 : 1;
  } catch (e) {
    if (e instanceof ApiError) throw new UsageError(`evaluate refused: ${e.message}`);
    throw e;
  } finally {
    await studio.close();
  }
}

function latestValue(run: RunSummary, split: string, name: string): number | undefined {
  return run.latest.find((m) => m.split === split && m.name === name)?.value;
}

async function runs(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...dbAndJson,
      ...remoteFlags,
      experiment: { type: 'string' },
      sweep: { type: 'string' },
      csv: { type: 'boolean', default: false },
    },
  });
  const sweepId = intFlag('sweep', values.sweep);
  const studio = await openCli(values);
  try {
    if (values.csv || values.experiment !== undefined || sweepId !== undefined) {
      // The runs table of the UI: differing config fields and final test metrics, one row per run.
      const table = await studio.api['runs.table']({
        ...(values.experiment !== undefined ? { experiment: values.experiment } : {}),
        ...(sweepId !== undefined ? { sweepId } : {}),
      });
      if (values.csv) process.stdout.write(runsTableCsv(table));
      else if (values.json) process.stdout.write(`${JSON.stringify(table)}\n`);
      else {
        const metrics = table.metrics.filter((m) => m.startsWith('test.'));
        printTable(
          ['id', 'name', 'status', ...table.fields, ...metrics],
          table.rows.map((r) => [
            String(r.id),
            r.name,
            r.status,
            ...table.fields.map((f) => JSON.stringify(r.config[f] ?? null)),
            ...metrics.map((m) => fmt(r.metrics[m])),
          ]),
        );
      }
      return 0;
    }
    const list = await studio.api['runs.list']({});
    if (values.json) process.stdout.write(`${JSON.stringify(list)}\n`);
    else {
      const rows = list.map((r) => [
        String(r.id),
        r.name,
        r.status,
        String(r.epochs),
        fmt(latestValue(r, 'train', 'loss')),
        fmt(latestValue(r, 'test', 'loss')),
        r.backend ?? '-',
        r.createdAt.slice(0, 19).replace('T', ' '),
      ]);
      const header = ['id', 'name', 'status', 'epochs', 'train loss', 'test loss', 'backend', 'created'];
      printTable(header, rows);
    }
    return 0;
  } catch (e) {
    if (e instanceof ApiError) throw new UsageError(e.message);
    throw e;
  } finally {
    await studio.close();
  }
}

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
async function sweep(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
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
  });
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
          `${basename(file)} refused: name: a different sweep named ${spec.name} exists (sweep ${existing.id}); choose another name`,
        );
      }
      sweepId = existing.id;
      say(`sweep ${sweepId} (${spec.name}) exists: continuing it`);
      await studio.api['sweeps.resume']({ sweepId });
    } else {
      const created = await studio.api['sweeps.create']({ spec, ...(slurm ? { slurm } : {}) });
      sweepId = created.sweepId ?? 0;
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
    if (e instanceof ApiError) throw new UsageError(`${basename(file)} refused: ${e.message.replace(/^invalid sweep: /, '')}`);
    throw e;
  }
  const id = sweepId;
  const counts = async () => {
    const s = (await studio.api['sweeps.get']({ sweepId: id })).counts;
    return `${s.completed} done · ${s.running} running · ${s.queued} queued${s.failed ? ` · ${s.failed} failed` : ''}${s.cancelled + s.interrupted ? ` · ${s.cancelled + s.interrupted} stopped` : ''}`;
  };
  const done = new Promise<void>((resolve) => {
    const check = async () => {
      const detail = await studio.api['sweeps.get']({ sweepId: id });
      if (detail.runs.every((r) => finishedStatuses.includes(r.status))) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(() => void check(), 2000);
    studio.events.on((e) => {
      if (e.name === 'run.status' && finishedStatuses.includes(e.payload.status)) {
        void counts().then((c) =>
          say(`run ${e.payload.runId}: ${e.payload.status}${e.payload.error ? ` (${e.payload.error})` : ''}; ${c}`),
        );
        void check();
      }
    });
    void check();
  });
  const onSignal = () => void studio.api['sweeps.cancel']({ sweepId: id });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await done;
  if (spec.evaluate) {
    // The evaluations the sweep asks for, started as each run completed: their figures join the JSON line.
    for (const r of (await studio.api['sweeps.get']({ sweepId: id })).runs) {
      for (const e of await studio.api['evaluations.list']({ runId: r.runId })) {
        if (e.status !== 'queued' && e.status !== 'running') continue;
        say(`run ${r.runId}: waiting for evaluation ${e.id} (${e.what.join(', ')})`);
        await studio.whenEvaluationEnded(e.id, r.runId);
      }
    }
  }
  const detail = await studio.api['sweeps.get']({ sweepId: id });
  const table = await studio.api['runs.table']({ sweepId: id });
  const byId = new Map(table.rows.map((r) => [r.id, r]));
  const result = {
    sweepId: id,
    name: spec.name,
    runs: detail.runs.map((r) => {
      const row = byId.get(r.runId);
      const test = Object.fromEntries(
        Object.entries(row?.metrics ?? {})
          .filter(([k]) => k.startsWith('test.'))
          .map(([k, v]) => [k.slice('test.'.length), v]),
      );
      const evaluation = Object.fromEntries(
        Object.entries(row?.metrics ?? {})
          .filter(([k]) => k.startsWith('eval.'))
          .map(([k, v]) => [k.slice('eval.'.length), v]),
      );
      return { id: r.runId, name: r.name, params: r.params, status: r.status, test, eval: evaluation };
    }),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await studio.close();
  return detail.runs.every((r) => r.status === 'completed') ? 0 : 1;
}

/** Columns padded to their widest cell (a loop: there may be more rows than a call takes arguments). */
function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  for (const r of [header, ...rows])
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

function catalogFor(db: string | undefined): DatasetCatalog {
  return new DatasetCatalog(datasetsDirFor(db ?? defaultDbPath()));
}

function bytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`;
}

async function datasets(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...dbAndJson, ...remoteFlags } });
  let list;
  if (values.remote === undefined && values['token-file'] === undefined) list = catalogFor(values.db).list();
  else {
    // The host's data sets: what its runs can train on.
    const studio = await openCli(values);
    try {
      list = await studio.api['datasets.list']({});
    } finally {
      await studio.close();
    }
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(list)}\n`);
    return 0;
  }
  const rows = list.map((d) => [
    d.name,
    d.kind,
    `${d.height}x${d.width}x${d.channels}`,
    String(d.trainCount),
    String(d.testCount),
    d.classes > 0 ? String(d.classes) : '-',
    d.factors.length > 0 ? d.factors.map((f) => f.name).join(',') : '-',
    !d.available ? `missing: ${d.hint}` : !d.stored ? 'generated on first use' : bytes(d.sizeBytes),
  ]);
  const header = ['name', 'kind', 'image', 'train', 'test', 'classes', 'factors', 'stored'];
  printTable(header, rows);
  return 0;
}

/** Runs a data set task, turning a refusal (bad file, taken name) into a one-line error and exit code 2. */
async function datasetTask<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (e) {
    if (e instanceof DatasetFileError || e instanceof DatasetError || e instanceof DatasetExistsError)
      throw new UsageError(e.message);
    throw e;
  }
}

function progressLine(label: string): (done: number, total: number) => void {
  return (done, total) => process.stderr.write(`${label}: ${done}/${total}\r${done === total ? '\n' : ''}`);
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...dbAndJson,
      name: { type: 'string' },
      labels: { type: 'string' },
      size: { type: 'string' },
      channels: { type: 'string' },
      'test-fraction': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const path = positionals[0];
  if (!path) throw new UsageError('import needs a folder, an IDX file or an NPY file');
  const channels = values.channels === undefined || values.channels === 'auto' ? 'auto' : Number(values.channels);
  const request = ImportRequest.safeParse({
    path,
    name: values.name,
    labelsPath: values.labels,
    size: intFlag('size', values.size),
    channels,
    testFraction: intFlag('test-fraction', values['test-fraction']),
    seed: intFlag('seed', values.seed),
  });
  if (!request.success) throw new UsageError(`import refused: ${describeIssues(fieldIssues(request.error))}`);
  const info = await datasetTask(() => catalogFor(values.db).import(request.data, progressLine(`importing ${path}`)));
  if (values.json) process.stdout.write(`${JSON.stringify(info)}\n`);
  else {
    process.stdout.write(
      `imported ${info.name}: ${info.trainCount} train + ${info.testCount} test images of ${info.height}x${info.width}x${info.channels}` +
        `${info.classes > 0 ? `, ${info.classes} labels (${(info.labelNames ?? []).slice(0, 10).join(', ')})` : ', unlabelled'}\n`,
    );
  }
  return 0;
}

async function generate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...dbAndJson,
      name: { type: 'string' },
      seed: { type: 'string', default: '0' },
      count: { type: 'string' },
    },
  });
  const request = GenerateRequest.safeParse({
    generator: positionals[0],
    seed: intFlag('seed', values.seed),
    count: intFlag('count', values.count) ?? (positionals[0] === 'faces' ? 4000 : 20000),
    name: values.name,
  });
  if (!request.success) throw new UsageError(`generate refused: ${describeIssues(fieldIssues(request.error))}`);
  const infos = await datasetTask(() =>
    catalogFor(values.db).generate(request.data, progressLine(`generating ${positionals[0]}`)),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(infos)}\n`);
  else
    for (const i of infos)
      process.stdout.write(`generated ${i.name}: ${i.trainCount} train + ${i.testCount} test images (${i.source})\n`);
  return 0;
}

function presets(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false } },
  });
  // One preset by name: its whole config, ready to edit and train.
  const name = positionals[0];
  if (name !== undefined) {
    const config = findPreset(name);
    if (!config) throw new UsageError(`${name}: no such preset (latent-studio presets)`);
    process.stdout.write(`${JSON.stringify(config, null, values.json ? undefined : 2)}\n`);
    return 0;
  }
  const list = registeredFamilySpecs().flatMap((spec) =>
    spec.presets.map((p) => ({ name: p.name, family: spec.id, description: p.description })),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(list)}\n`);
  else for (const p of list) process.stdout.write(`${p.name.padEnd(32)} ${p.family.padEnd(10)} ${p.description}\n`);
  return 0;
}

function openInChromium(url: string): void {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  if (!chromium || !(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'])) return;
  const child = spawn(chromium, [`--app=${url}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => undefined);
  child.unref();
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      open: { type: 'boolean', default: false },
      'allowed-host': { type: 'string', multiple: true },
      'max-concurrent': { type: 'string' },
    },
  });
  const dbPath = values.db ?? defaultDbPath();
  const studio = openStudio(dbPath, { maxConcurrent: values['max-concurrent'], serving: true });
  const host = await startHost({
    studio,
    rendererDir: fileURLToPath(new URL('../../out/renderer', import.meta.url)),
    host: values.host,
    port: intFlag('port', values.port) ?? 0,
    allowedHosts: values['allowed-host'] ?? [],
  });
  // Warm the backend probe so the first page load shows the backend at once.
  void studio.api['system.info']({});
  process.stdout.write(`Latent Studio (headless) is serving ${dbPath}\nOpen: ${host.url}\n`);
  if (values.host !== '127.0.0.1' && values.host !== 'localhost') {
    process.stdout.write(`warning: listening on ${values.host}; anyone who can reach it and has the token can use the studio\n`);
  }
  if (values.open) openInChromium(host.url);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await host.close();
  await studio.close();
  return 0;
}

/** Why the commands that work on this machine only refuse `--remote`. */
const remoteRefusals: Record<string, string> = {
  import: 'import reads files on this machine into a studio here; copy them to the host and run latent-studio import there',
  generate: 'run latent-studio generate on the host (a run that names shapes or faces also draws them there on first use)',
  presets: 'presets are built into latent-studio and are the same everywhere; leave out --remote',
  serve: 'serve starts a studio on this machine; the other commands take --remote to drive one',
};

/**
 * One task of a sweep's Slurm job array, on a compute node (the batch script runs it): trains run
 * $SLURM_ARRAY_TASK_ID of the sweep folder with the studio's worker and appends its messages to the task's log.
 */
async function slurmTask(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { task: { type: 'string' } } });
  const dir = positionals[0];
  if (!dir) throw new UsageError('slurm-task needs the sweep folder the batch script names');
  const task = intFlag('task', values.task ?? process.env['SLURM_ARRAY_TASK_ID']);
  if (task === undefined || !Number.isInteger(task) || task < 0)
    throw new UsageError('slurm-task: no task id (SLURM_ARRAY_TASK_ID is unset; outside Slurm pass --task N)');
  return runSlurmTask(resolvePath(dir), task, forkLauncher());
}

/** What `prior` and `sample` (src/cli/prior.ts) need from here. */
function cliDeps(): CliDeps {
  return { open: openCli, usage: (message) => new UsageError(message) };
}

const commandsByName: Record<string, (args: string[]) => Promise<number> | number> = {
  'slurm-task': slurmTask,
  train,
  resume,
  export: exportCommand,
  evaluate,
  prior: (args) => priorCommand(args, cliDeps()),
  sample: (args) => sampleCommand(args, cliDeps()),
  runs,
  sweep,
  datasets,
  import: importCommand,
  generate,
  presets,
  serve,
};

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const command = commandsByName[name];
  if (!command) fail(`unknown command "${name}"\n\n${usage}`);
  if (rest.some((a) => a === '--token' || a.startsWith('--token='))) {
    fail(`--token: a token on the command line lands in shell history and in ps; set ${tokenEnvVar} or pass --token-file FILE`);
  }
  const notRemote = remoteRefusals[name];
  if (notRemote && rest.some((a) => a === '--remote' || a.startsWith('--remote='))) fail(`${name} --remote: ${notRemote}`);
  // Families from outside src/families, before any config is read (see families/family-modules.ts).
  await loadFamilyModules();
  try {
    process.exitCode = await command(rest);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      fail(e.message);
    }
    // A host that cannot be reached, refuses the token or does not answer like a studio: nothing was done.
    if (e instanceof RemoteError) fail(e.message);
    throw e;
  }
}
