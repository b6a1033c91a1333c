/**
 * `latent-studio train <config.json | preset>`: reads the config (with its command-line overrides), checks it, starts
 * the run here or at `--remote` and follows it to its end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ApiError } from '../../core/errors';
import { checkRun } from '../../core/run-checks';
import { findPreset, presetNames } from '../../core/studio';
import { didYouMean } from '../../shared/suggest';
import { parseRunConfig } from '../../families/run-config';
import { describeIssues, type RunConfig } from '../../shared/config';
import { catalogFor, command, intFlag, openCli, UsageError } from '../runner';
import { announce, follow, runFlags, setOverrides } from './follow';

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
    if (!raw)
      throw new UsageError(
        `${source}: no such config file or preset${didYouMean(source, presetNames())}; latent-studio presets lists them`,
      );
  }
  if (raw && typeof raw === 'object') {
    const c = raw as { training?: Record<string, unknown>; dataset?: Record<string, unknown> };
    if (overrides.epochs !== undefined) c.training = { ...c.training, epochs: overrides.epochs };
    if (overrides.seed !== undefined) c.training = { ...c.training, seed: overrides.seed };
    if (overrides.subset !== undefined) c.dataset = { ...c.dataset, trainSubset: overrides.subset };
  }
  return raw;
}

export const train = command({
  name: 'train',
  flags: { ...runFlags, epochs: { type: 'string' }, subset: { type: 'string' }, seed: { type: 'string' } },
  positionals: true,
  async run({ values, positionals }) {
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
  },
});
