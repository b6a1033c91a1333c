import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stepGateVariable, type HeldWorker } from '../../src/core/training/step-gate';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The test's side of the step gate (src/core/training/step-gate.ts): training workers started while it is
 * installed (in this process, or in studios and Slurm tasks it starts) hold after the step it names, so a kill
 * or a close strikes a run that is certainly training, at the same point on a fast machine and on a slow one.
 */
export class WorkerGate {
  readonly file: string;
  private readonly previous: string | undefined;

  constructor(dir: string) {
    this.file = join(dir, 'gate.json');
    this.previous = process.env[stepGateVariable];
    process.env[stepGateVariable] = this.file;
  }

  /** Workers hold after training step `step` (0: once started, before training); a worker held elsewhere goes on to it. */
  holdAt(step: number): void {
    rmSync(`${this.file}.held`, { force: true });
    writeFileSync(this.file, JSON.stringify({ step }));
  }

  /** The worker held at `step`, once one is. */
  async held(step: number, timeoutMs = 150_000): Promise<HeldWorker> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const path = `${this.file}.held`;
      if (existsSync(path)) {
        const held = JSON.parse(readFileSync(path, 'utf8')) as HeldWorker;
        if (held.step === step) return held;
      }
      if (Date.now() > deadline) throw new Error(`no training worker reached step ${step} in ${timeoutMs / 1000} s`);
      await sleep(25);
    }
  }

  /** Lets every worker go on, holding no more. */
  open(): void {
    rmSync(this.file, { force: true });
    rmSync(`${this.file}.held`, { force: true });
  }

  /** Opens the gate and uninstalls it from this process's environment. */
  remove(): void {
    this.open();
    if (this.previous === undefined) delete process.env[stepGateVariable];
    else process.env[stepGateVariable] = this.previous;
  }
}
