import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFor } from '../bundles';

export interface RunningHost {
  url: string;
  origin: string;
  token: string;
  process: ChildProcess;
  /** What the host (and the workers it forked) printed so far, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * One host on a fresh database for a whole spec file: started before its first test, stopped (and its folder
 * removed) after its last. The returned function gives the host inside a test.
 */
export function hostPerFile(): () => RunningHost {
  let dir = '';
  let host: RunningHost | undefined;
  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-'));
    host = await startHost(join(dir, 'studio.db'));
  });
  test.afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!host) throw new Error('host not started');
    return host;
  };
}

/** Starts `latent-studio serve` on a database, as a user would, and waits for the URL it prints. */
export async function startHost(
  dbPath: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningHost> {
  const child = spawn(process.execPath, [cliFor(env), 'serve', '--db', dbPath, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /Open: (http\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited with ${code}:\n${output}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    process: child,
    log: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const terminal = ['completed', 'failed', 'cancelled', 'interrupted'];

/**
 * Waits until the open run view's run has ended and requires `expected`; a run that ended otherwise fails the
 * test with the error the view shows and the tail of what the host and its workers printed.
 */
export async function expectRunEnded(page: Page, host: RunningHost, timeout: number, expected = 'completed'): Promise<void> {
  const badge = page.getByTestId('run-view').getByTestId('status');
  await expect(badge).toHaveText(new RegExp(`^(${terminal.join('|')})$`), { timeout });
  const status = (await badge.textContent())?.trim();
  if (status === expected) return;
  const shown = page.getByTestId('run-error');
  const error = (await shown.count()) > 0 ? await shown.first().textContent() : '(no error shown)';
  throw new Error(
    `the run ended ${status}, not ${expected}: ${error}\nthe host's output (last 4,000 characters):\n${host.log().slice(-4000)}`,
  );
}

/**
 * Waits until run `runId` has written a checkpoint; a run that ends without one, or none within `timeout`, fails
 * the test with the run's status, its error and the tail of what the host and its workers printed.
 */
export async function expectCheckpoint(host: RunningHost, runId: number, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const run = await callHost<{ status: string; error: string | null; checkpoints: unknown[] }>(host, 'runs.get', { runId });
    if (run.checkpoints.length > 0) return;
    const ended = terminal.includes(run.status);
    if (ended || Date.now() > deadline) {
      throw new Error(
        `run ${runId} has no checkpoint ${ended ? `and ended ${run.status}` : `after ${timeout / 1000} s, ${run.status}`}: ${run.error ?? '(no error)'}\nthe host's output (last 4,000 characters):\n${host.log().slice(-4000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A command on the host's API, as the UI sends it (with the launch token); its value, or the refusal thrown. */
export async function callHost<T>(host: RunningHost, name: string, input: unknown): Promise<T> {
  const res = await fetch(`${host.origin}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: true; value: T } | { ok: false; error: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error.message}`);
  return body.value;
}

/** Types into a field by its test id and leaves it (blur), as a user moving to the next field does. */
export async function fill(page: Page, testId: string, value: string): Promise<void> {
  await page.getByTestId(testId).fill(value);
  await page.getByTestId(testId).blur();
}
