/**
 * The command runner under src/cli/commands: the `Command` shape (a name, the flags it parses, what it does with
 * them), the run of one (the refusals every command shares, its flags parsed, each failure turned into one line on
 * stderr and an exit code), and the pieces the commands share: flag sets, opening the studio on `--db` or at
 * `--remote`, the run-id check and the printing helpers.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { fieldIssues } from '../shared/config';
import { DatasetCatalog } from '../core/datasets/catalog';
import { ApiError } from '../core/errors';
import { datasetsDirFor, defaultDbPath } from '../core/paths';
import { createStudio, type Studio } from '../core/studio';
import { forkLauncher } from '../core/training/fork-launcher';
import { loadFamilyModules } from '../families/family-modules';
import { maxTokenLength, RemoteTargetError, resolveRemoteTarget, tokenEnvVar } from '../shared/remote-target';
import { didYouMean } from '../shared/suggest';
import { localCliStudio, openRemote, RemoteError, type CliStudio } from './remote';

/** A refusal of what the command line asks: reported as one line, exit code 2. */
export class UsageError extends Error {}

/** The flags most commands share: which database, and JSON output for scripts. */
export const dbAndJson = { db: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

/** `--remote URL` and `--token-file FILE`: the commands that can drive a studio on another machine take them. */
export const remoteFlags = { remote: { type: 'string' }, 'token-file': { type: 'string' } } as const;

export function fail(message: string, code = 2): never {
  process.stderr.write(`latent-studio: ${message}\n`);
  process.exit(code);
}

export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got "${value}"`);
  return n;
}

/** A number for a request's schema to check: NaN for what is not one, so that the refusal names the field. */
export function looseNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() === '' || !Number.isFinite(n) ? Number.NaN : n;
}

/** The run a command's first argument names: a whole number from 1, else a refusal that says where ids are listed. */
export function runIdArg(command: string, value: string | undefined): number {
  const runId = looseNumber(value) ?? Number.NaN;
  if (!Number.isInteger(runId) || runId < 1)
    throw new UsageError(`${command} needs a run id (latent-studio runs)${value === undefined ? '' : `, not "${value}"`}`);
  return runId;
}

/**
 * A studio for one command. `--max-concurrent N` sets (and keeps) the scheduler's limit; only a serving
 * studio starts runs that another studio left queued, a CLI run trains its own.
 */
export function openStudio(db: string | undefined, o: { maxConcurrent?: string | undefined; serving?: boolean } = {}): Studio {
  const maxConcurrent = maxConcurrentFlag(o.maxConcurrent);
  checkDbFolder(db);
  const dbPath = db ?? defaultDbPath();
  try {
    return createStudio({
      dbPath,
      launcher: forkLauncher(),
      transport: 'headless',
      orchestrator: { adoptQueued: o.serving ?? false, ...(maxConcurrent !== undefined ? { maxConcurrent } : {}) },
    });
  } catch (e) {
    // A file that is no database, a folder, one that cannot be opened: named as the flag that gave it.
    if (e instanceof Error && e.name === 'SqliteError')
      throw new UsageError(`${db === undefined ? `the studio's database ${dbPath}` : `--db ${db}`}: ${e.message}`);
    throw e;
  }
}

/**
 * A path typed wrong would leave a fresh database (or a data set) in a folder made for it: the folder of `--db` must
 * exist (the default's folder is made, as the studio's own).
 */
function checkDbFolder(db: string | undefined): void {
  if (db !== undefined && db !== ':memory:' && !existsSync(dirname(resolve(db))))
    throw new UsageError(`--db ${db}: the folder ${dirname(resolve(db))} does not exist`);
}

export function maxConcurrentFlag(raw: string | undefined): number | undefined {
  const maxConcurrent = intFlag('max-concurrent', raw);
  if (maxConcurrent !== undefined && (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)) {
    throw new UsageError(`--max-concurrent: expected a whole number of at least 1, got ${raw}`);
  }
  return maxConcurrent;
}

export interface StudioFlags {
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
export async function openCli(values: StudioFlags): Promise<CliStudio> {
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

/**
 * Opens the command's studio (`openCli`), runs `work` on it and closes it however that ends. A refusal of the
 * studio's (an ApiError: no such run, a request it does not take) becomes a usage error: `refused`, then its message.
 */
export async function withStudio<T>(values: StudioFlags, refused: string, work: (studio: CliStudio) => Promise<T>): Promise<T> {
  const studio = await openCli(values);
  try {
    return await work(studio);
  } catch (e) {
    if (e instanceof ApiError) throw new UsageError(`${refused}${e.message}`);
    throw e;
  } finally {
    await studio.close();
  }
}

/** The data sets of the database at `--db` (or the default one), read on this machine. */
export function catalogFor(db: string | undefined): DatasetCatalog {
  checkDbFolder(db);
  return new DatasetCatalog(datasetsDirFor(db ?? defaultDbPath()));
}

/**
 * A request's refusal in the command line's words: each field as the flag that gave it (`nllSamples` as
 * `--nll-samples`, or as `names` says: the argument, a flag of another name).
 */
export function refusedRequest(command: string, error: z.ZodError, names: Record<string, string> = {}): UsageError {
  const issues = fieldIssues(error).map((i) => {
    const field = i.path.split(/[.[]/)[0] ?? i.path;
    const name = names[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return `${name}${i.path.slice(field.length)}: ${i.message}`;
  });
  return new UsageError(`${command} refused: ${issues.join('; ')}`);
}

/**
 * A figure for a table: `digits` significant digits below 1 (0.004123 and 0.004081 read alike as 0.0041), exponent form
 * below 1e-3 or from 1e6, else fixed digits.
 */
export function fmt(v: number | undefined, digits = 4): string {
  if (v === undefined) return '-';
  const abs = Math.abs(v);
  if (v === 0 || !Number.isFinite(v)) return v.toFixed(digits);
  if (abs < 1e-3 || abs >= 1e6) return v.toExponential(digits - 1);
  return abs < 1 ? v.toPrecision(digits) : v.toFixed(digits);
}

/** The lines of a table, header first: columns padded to their widest cell (a loop: rows may be many). */
export function tableLines(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function printTable(header: string[], rows: string[][]): void {
  for (const line of tableLines(header, rows)) process.stdout.write(`${line}\n`);
}

/** The flags a command declares, as `parseArgs` takes them. */
type Flags = NonNullable<ParseArgsConfig['options']>;

/** What `parseArgs` makes of a command's arguments: its flags typed by their declarations, and the positionals. */
export type Parsed<F extends Flags> = ReturnType<typeof parseArgs<{ options: F; allowPositionals: true }>>;

/** One command of the CLI, as main.ts dispatches to it. */
export interface Command {
  readonly name: string;
  /** Why the command refuses `--remote`: it works on this machine only. */
  readonly localOnly?: string;
  /** Parses the arguments after the command's name and does the work; resolves to the exit code. */
  run(args: string[]): Promise<number> | number;
}

/** A command as its file declares it: the flags it takes, and what it does with them once parsed. */
export interface CommandSpec<F extends Flags> {
  name: string;
  flags: F;
  /** Whether it takes an argument besides flags (a file, a run id); without, one is refused, and a second always. */
  positionals?: boolean;
  localOnly?: string;
  /** Flags whose value is taken as it is given, even one that starts with '-' (`--extra "--qos=normal"`). */
  verbatim?: readonly (keyof F & string)[];
  run(parsed: Parsed<F>): Promise<number> | number;
}

/** The arguments as the command declares them; an unknown flag is refused with the closest the command takes. */
function parseFlags<F extends Flags>(spec: CommandSpec<F>, args: string[]): ReturnType<typeof parseArgs> {
  // `--epochs -1`: parseArgs reads -1 as a flag of its own and says it is ambiguous; it is the flag's value, which
  // the command then refuses by its rules. A verbatim flag's value is its value whatever it starts with.
  const flagOf = (a: string | undefined) => /^--([\w-]+)$/.exec(a ?? '')?.[1];
  const takesValue = (a: string | undefined) => {
    const flag = flagOf(a);
    return flag !== undefined && spec.flags[flag]?.type === 'string';
  };
  const dashed = (flag: string | undefined, a: string | undefined) =>
    a !== undefined && (/^-\.?\d/.test(a) || (a.startsWith('-') && (spec.verbatim ?? []).some((v) => v === flag)));
  const glued = (i: number) => takesValue(args[i]) && dashed(flagOf(args[i]), args[i + 1]);
  const joined = args.flatMap((a, i) => (glued(i) ? [`${a}=${args[i + 1]}`] : i > 0 && glued(i - 1) ? [] : [a]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs<ParseArgsConfig>({ args: joined, options: spec.flags, allowPositionals: spec.positionals ?? false });
  } catch (e) {
    const unknown = e instanceof TypeError && 'code' in e && e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    const option = unknown ? /Unknown option '-{1,2}([^']+)'/.exec(e.message)?.[1] : undefined;
    if (option === undefined) throw e;
    throw new UsageError(
      `${spec.name}: unknown option --${option}${didYouMean(option, Object.keys(spec.flags)).replace(/mean (\S+)\?/, 'mean --$1?')}` +
        `; latent-studio ${spec.name} --help lists its options`,
    );
  }
  const extra = parsed.positionals[1];
  if (extra !== undefined) throw new UsageError(`${spec.name}: takes one argument, not also "${extra}"`);
  return parsed;
}

/** A command whose arguments the runner parses (unknown flags and malformed values are refused before it runs). */
export function command<const F extends Flags>(spec: CommandSpec<F>): Command {
  return {
    name: spec.name,
    ...(spec.localOnly !== undefined ? { localOnly: spec.localOnly } : {}),
    // Node's own refusals (an unknown flag, an argument to a command that takes none); the values typed as declared.
    run: (args) => spec.run(parseFlags(spec, args) as Parsed<F>),
  };
}

/**
 * Runs a command and sets the exit code it resolves to. Every refusal ends the process with one line naming the flag
 * or file and exit code 2: a token on the command line, `--remote` to a command that works here only, a flag it does
 * not take or a value it cannot use, a host that cannot be reached.
 */
export async function runCommand(cmd: Command, args: string[]): Promise<void> {
  if (args.some((a) => a === '--token' || a.startsWith('--token='))) {
    fail(`--token: a token on the command line lands in shell history and in ps; set ${tokenEnvVar} or pass --token-file FILE`);
  }
  if (cmd.localOnly && args.some((a) => a === '--remote' || a.startsWith('--remote='))) {
    fail(`${cmd.name} --remote: ${cmd.localOnly}`);
  }
  // Families from outside src/families, before any config is read (see families/family-modules.ts).
  await loadFamilyModules();
  try {
    process.exitCode = await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      fail(e.message);
    }
    // A host that cannot be reached, refuses the token or does not answer like a studio: nothing was done.
    if (e instanceof RemoteError) fail(e.message);
    // Work that failed (a worker's error, a file that went away): one line and exit 1, not Node's stack trace,
    // which LATENT_STUDIO_DEBUG=1 keeps for a bug report.
    if (e instanceof Error && process.env['LATENT_STUDIO_DEBUG'] !== '1') fail(`${cmd.name}: ${e.message}`, 1);
    throw e;
  }
}
