import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../src/core/studio';
import { slurmCommands } from '../../src/core/slurm/commands';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import type { MetricPoint } from '../../src/shared/api';
import { SweepSpec } from '../../src/shared/sweep';
import { tempDir } from '../integration/helpers';
import { slurmSkipReason, startLocalSlurm, type LocalSlurm } from './cluster';
import { aeSweep } from './ae-sweep';

/**
 * A sweep's task on webgpu, asking Slurm for a GPU (`--gpus-per-task`). The test cluster declares one GPU (a GRES
 * Slurm hands out, standing on /dev/null); the task trains on the adapter Dawn finds there: Mesa's llvmpipe on this
 * machine, allowed with LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1 through sbatch's environment, as a GPU node's would be.
 */
const skip = slurmSkipReason();
if (skip) console.warn(`tests/slurm/webgpu skipped: ${skip}`);
const title = (name: string) => (skip ? `${name} (skipped: ${skip})` : name);
const allow = 'LATENT_STUDIO_ALLOW_SOFTWARE_GPU';

let cluster: LocalSlurm;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  if (skip) return;
  tmp = tempDir('latent-studio-slurm-webgpu-');
  const started = await startLocalSlurm({ gpus: 1 });
  if ('skipped' in started) throw new Error(started.skipped);
  cluster = started;
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  tmp?.cleanup();
  delete process.env[allow];
});

const spec = SweepSpec.parse(aeSweep('on a GPU node', 2, { 'training.seed': { values: [4] } }, 'webgpu'));

const finals = (points: MetricPoint[]) =>
  points.filter((p) => p.split === 'test').map((p) => ({ key: `${p.name}@${p.step}`, value: p.value }));

describe('a Slurm task on webgpu', () => {
  it.skipIf(skip)(
    title('asks for a GPU, trains on the webgpu adapter, records it, and ends as the same run here does'),
    async () => {
      process.env[allow] = '1';
      const studio: Studio = createStudio({
        dbPath: join(tmp.dir, 'gpu.db'),
        launcher: forkLauncher(),
        transport: 'headless',
        orchestrator: { maxConcurrent: 1, cores: 2 },
        slurm: { commands: slurmCommands({ ...cluster.env, [allow]: '1' }), pollMs: 300 },
      });
      try {
        const created = await studio.api['sweeps.create']({ spec, slurm: { cpusPerTask: 1, gpusPerTask: 1 } });
        const runId = created.runs[0]!.runId!;
        await studio.orchestrator.whenEnded(runId);
        const there = await studio.api['runs.get']({ runId });
        expect(there.status, there.error ?? '').toBe('completed');
        expect(there.slurm?.state).toBe('COMPLETED');

        // Slurm was asked for the GPU, and gave it to the task.
        const sweep = await studio.api['sweeps.get']({ sweepId: created.sweepId! });
        expect(readFileSync(sweep.slurm!.script, 'utf8')).toContain('#SBATCH --gpus-per-task=1');
        const job = await cluster.showJob(`${there.slurm!.jobId}_${there.slurm!.taskId}`);
        expect(job?.['TresPerTask']).toMatch(/gpu:1/);

        // It trained on webgpu, and the run says on which adapter.
        expect(there.backend).toBe('webgpu');
        const adapter = there.environment?.backend.adapter;
        expect(adapter?.description).toBeTypeOf('string');
        expect(there.backendReason).toContain(adapter?.description ?? 'no adapter recorded');

        // The same config here, on the same adapter: the same test curve (1e-5 relative, for GPUs whose reductions
        // are not bit-exact from one process to the next).
        const { runId: here } = await studio.api['runs.start']({ config: there.config });
        await studio.orchestrator.whenEnded(here);
        const local = await studio.api['runs.get']({ runId: here });
        expect([local.status, local.backend]).toEqual(['completed', 'webgpu']);
        const a = finals(await studio.api['runs.metrics']({ runId }));
        const b = finals(await studio.api['runs.metrics']({ runId: here }));
        console.log(`Slurm task on ${there.backendReason}: ${a.map((p) => `${p.key}=${p.value}`).join(', ')}`);
        expect(a.map((p) => p.key)).toEqual(b.map((p) => p.key));
        expect(a.length).toBeGreaterThan(0);
        for (const [i, p] of a.entries())
          expect(Math.abs(p.value - b[i]!.value)).toBeLessThanOrEqual(1e-5 * Math.abs(b[i]!.value));
      } finally {
        await studio.close();
      }
    },
    170_000,
  );
});
