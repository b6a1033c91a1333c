/**
 * A test's hold on a training worker (or a learned prior's, whose step is its epoch), so that a test which kills or
 * closes something strikes at a step it chose, on a machine of any speed, instead of at a moment it hopes still falls
 * inside training.
 *
 * Off unless `LATENT_STUDIO_TEST_GATE` names a file. The file holds `{"step": N}`. A worker that has just trained
 * its step N (0: one that has started and not trained yet) writes `<file>.held` with its pid and the step, then
 * waits while the file still names N. The test kills or closes what it wants, or names another step (or removes
 * the file) to let the worker go on. A worker reads the file when it starts and again only while it is held.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export const stepGateVariable = 'LATENT_STUDIO_TEST_GATE';

/** What a held worker writes to `<gate>.held`. */
export interface HeldWorker {
  pid: number;
  step: number;
}

export type StepGate = (step: number) => Promise<void>;

function namedStep(file: string): number | undefined {
  try {
    const { step } = JSON.parse(readFileSync(file, 'utf8')) as { step?: unknown };
    return typeof step === 'number' ? step : undefined;
  } catch {
    return undefined;
  }
}

/** The gate of this worker, or undefined when no test holds it (the training loop then awaits nothing). */
export function stepGate(env: NodeJS.ProcessEnv = process.env): StepGate | undefined {
  const file = env[stepGateVariable];
  if (!file) return undefined;
  let target = namedStep(file);
  return async (step) => {
    if (step !== target) return;
    const held: HeldWorker = { pid: process.pid, step };
    // Its own temporary file: two workers held at once (a job array's tasks) each write theirs whole, then rename.
    writeFileSync(`${file}.held.tmp-${process.pid}`, JSON.stringify(held));
    renameSync(`${file}.held.tmp-${process.pid}`, `${file}.held`);
    while ((target = namedStep(file)) === step) await new Promise((r) => setTimeout(r, 25));
  };
}
