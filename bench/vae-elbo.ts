/** The VAE figures that `npm run bench` and `npm run acceptance` share: ours through the studio, PyTorch's beside it. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';
import { vaeSpec, type VaeModel } from '../src/families/vae/spec';
import { type RunConfig } from '../src/shared/config';
import { defaultRunConfig } from '../src/families/run-config';

export const presetModel = (name: string): VaeModel => {
  const preset = vaeSpec.presets.find((p) => p.name === name);
  if (!preset) throw new Error(`no VAE preset ${name}`);
  return preset.model;
};

/** The 784-400-20 VAE (Kingma & Welling) on full MNIST, BCE, batch 128, Adam 1e-3, through the studio's own worker. */
export async function elboRun(epochs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bench-'));
  const studio = createStudio({ dbPath: join(dir, 'bench.db'), launcher: forkLauncher(), transport: 'headless' });
  try {
    const config = defaultRunConfig('vae') as Extract<RunConfig, { family: 'vae' }>;
    config.name = 'bench vae-784-400-20';
    config.backend = 'wasm';
    config.dataset = { name: 'mnist' };
    config.model = presetModel('vae-784-400-20');
    config.training = { loss: 'bce', batchSize: 128, epochs, learningRate: 1e-3, optimizer: 'adam', seed: 1 };
    const t0 = performance.now();
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    // A failed run has no figure to record: said here, never written into a document as NaN.
    if (run.status !== 'completed') throw new Error(`the VAE run ended ${run.status}: ${run.error ?? 'no error recorded'}`);
    const negElbo = run.latest.find((m) => m.split === 'test' && m.name === 'neg_elbo')?.value;
    if (negElbo === undefined) throw new Error('the VAE run completed without a test neg_elbo');
    return { status: run.status, epochs, negElbo, seconds: (performance.now() - t0) / 1000, backend: run.backend };
  } finally {
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian's python3 (where python3-torch installs), else whatever python3 is on the PATH. */
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface TorchFigures {
  mlpSamplesPerSec: number;
  convSamplesPerSec: number;
  byThreads: Record<string, { mlp: number; conv: number }>;
  defaultThreads: number;
  /** The BLAS library torch multiplied through (a path), null where /proc/self/maps could not be read. */
  blas?: string | null;
  negElbo?: number;
}

/**
 * What the bench says of PyTorch's BLAS. Debian's torch multiplies through whatever libblas.so.3 the alternatives
 * system names; netlib's reference BLAS (libblas3 alone, in `<lib>/blas/`) makes its throughput several times lower
 * than OpenBLAS does (one session on the 2-core VM: 879 against 15,972 samples/s on the MLP VAE), so a ratio against
 * it flatters ours. The line warns and names the package to install.
 */
export function blasNote(blas: string | null | undefined): string {
  if (!blas) return "  PyTorch's BLAS: unknown (no /proc/self/maps here)";
  if (/\/blas\/libblas\.so/.test(blas))
    return (
      `  PyTorch's BLAS: ${blas}, netlib's reference BLAS: PyTorch runs several times slower on it than with OpenBLAS, ` +
      'so these ratios flatter ours. Install libopenblas0-pthread (apt-get install libopenblas0-pthread) and rerun.'
    );
  return `  PyTorch's BLAS: ${blas}`;
}

/**
 * bench/pytorch_vae.py beside ours: the same models' throughput and, with `epochs` > 0, the 784-400-20 VAE's test
 * −ELBO after that many epochs. Null (and why, through `log`) where python3 has no torch or the script fails.
 */
export function pytorch(epochs: number, steps: number, log: (line: string) => void): TorchFigures | null {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    log('PyTorch: not available here (python3 -c "import torch" failed); install python3-torch to compare.');
    return null;
  }
  const r = spawnSync(
    python,
    [join(import.meta.dirname, 'pytorch_vae.py'), '--epochs', String(epochs), '--steps', String(steps)],
    {
      encoding: 'utf8',
      timeout: 1_800_000,
    },
  );
  if (r.status !== 0) {
    const how = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    log(`PyTorch bench failed (${how}): ${r.stderr.slice(-400) || '(nothing on stderr)'}`);
    return null;
  }
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as TorchFigures;
  } catch {
    log(`PyTorch bench: its last line is not the JSON of its figures: ${last.slice(0, 200)}`);
    return null;
  }
}
