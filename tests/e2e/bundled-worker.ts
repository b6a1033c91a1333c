import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudio } from '../../src/core/studio';
import { findPreset } from '../../src/core/presets';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { RunConfig } from '../../src/shared/config';
// The built-in families' model types (their augmentation of the contract's FamilyModels).
import type {} from '../../src/families/specs';

/** The worker electron-vite built (`npm run test:e2e` builds first): what Electron's utilityProcess starts. */
export const bundledWorker = join(import.meta.dirname, '..', '..', 'out', 'main', 'worker.js');

/** A VAE preset for one epoch on 256 MNIST images (4 steps), on `backend`. */
export function smallVae(backend: RunConfig['backend']): RunConfig {
  const preset = findPreset('vae-784-400-20');
  if (!preset) throw new Error('no preset vae-784-400-20');
  return {
    ...preset,
    backend,
    dataset: { ...preset.dataset, trainSubset: 256, testSubset: 128 },
    training: { ...preset.training, epochs: 1, batchSize: 64, seed: 3 },
  };
}

/**
 * Trains `config` in a studio whose workers run `bundle` (a built worker), or the TypeScript entry through tsx;
 * resolves with how the run ended, its backend and its final test loss.
 */
export async function trainWith(config: RunConfig, bundle: string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bundle-'));
  const studio = createStudio({ dbPath: join(dir, 'studio.db'), launcher: forkLauncher({ bundle }), transport: 'headless' });
  try {
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    const loss = run.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value;
    return { status: run.status, error: run.error, backend: run.backend, reason: run.backendReason, loss };
  } finally {
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
