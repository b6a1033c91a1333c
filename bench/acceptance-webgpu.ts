/**
 * The acceptance part `webgpu`: every preset of every family trains 2 epochs on a subset of its data set through the
 * studio's workers on webgpu and on wasm, same seed; the final test loss of each against the other. Where there is
 * no GPU, webgpu runs on Mesa's llvmpipe (a software adapter, allowed here with LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1).
 */
import { cpus } from 'node:os';
import type { Studio } from '../src/core/studio';
import { findPreset } from '../src/core/studio';
import { familyIds, familySpecs } from '../src/families/specs';
import type { RunConfig } from '../src/shared/config';
import { trainingSeconds } from '../src/shared/runs';
import type { Figure, Section } from './acceptance-models';

const scale = { trainSubset: 512, testSubset: 256, epochs: 2, batchSize: 64 };
/** The relative difference of the final test losses every preset is held to. */
const tolerance = 0.01;

function presetOn(name: string, backend: 'webgpu' | 'wasm'): RunConfig {
  const config = findPreset(name);
  if (!config) throw new Error(`no preset ${name}`);
  config.backend = backend;
  config.dataset = { ...config.dataset, trainSubset: scale.trainSubset, testSubset: scale.testSubset };
  config.training = {
    ...config.training,
    epochs: scale.epochs,
    batchSize: Math.min(config.training.batchSize, scale.batchSize),
  };
  // One epoch of any pretraining phase, one of the phase after it.
  if ('pretrainEpochs' in config.model) config.model.pretrainEpochs = 1;
  return config;
}

async function finalTestLoss(studio: Studio, config: RunConfig) {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  if (run.status !== 'completed') throw new Error(`${config.name} on ${config.backend}: ${run.status} ${run.error ?? ''}`);
  const loss = run.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value;
  if (loss === undefined) throw new Error(`${config.name} on ${config.backend}: no test loss`);
  return { loss, run, seconds: trainingSeconds(run) ?? NaN };
}

/** LATENT_STUDIO_ACCEPTANCE_PRESETS=a,b: only those presets (to measure again the ones a change touched). */
const only = process.env['LATENT_STUDIO_ACCEPTANCE_PRESETS']?.split(',').map((p) => p.trim());

export async function webgpu(studio: Studio): Promise<Section> {
  process.env['LATENT_STUDIO_ALLOW_SOFTWARE_GPU'] = '1';
  const figures: Figure[] = [];
  const outside: string[] = [];
  let adapter = '';
  for (const family of familyIds) {
    for (const { name } of familySpecs[family].presets) {
      if (only && !only.includes(name)) continue;
      const gpu = await finalTestLoss(studio, presetOn(name, 'webgpu'));
      if (gpu.run.backend !== 'webgpu') throw new Error(`${name}: trained on ${gpu.run.backend}: ${gpu.run.backendReason}`);
      adapter = gpu.run.backendReason ?? adapter;
      const cpu = await finalTestLoss(studio, presetOn(name, 'wasm'));
      const relative = Math.abs(gpu.loss - cpu.loss) / Math.abs(cpu.loss);
      if (!(relative < tolerance)) outside.push(name);
      console.error(`  ${name}: webgpu ${gpu.loss} (${gpu.seconds} s), wasm ${cpu.loss} (${cpu.seconds} s), ${relative}`);
      figures.push({
        name: `${family}: ${name}`,
        value: `${gpu.loss.toPrecision(6)} on webgpu (${gpu.seconds.toFixed(0)} s)`,
        against: `${cpu.loss.toPrecision(6)} on wasm (${cpu.seconds.toFixed(0)} s): ${(100 * relative).toFixed(4)} % apart`,
      });
    }
  }
  const software = /llvmpipe|lavapipe|swiftshader|software/i.test(adapter);
  return {
    // A rerun of a few presets says so: its section replaces the whole table.
    title: only ? `Presets ${only.join(', ')} on webgpu against wasm (a partial rerun)` : 'Every preset on webgpu against wasm',
    setup:
      `Each preset ${scale.epochs} epochs on ${scale.trainSubset} training and ${scale.testSubset} test images of its data set ` +
      `(batch at most ${scale.batchSize}, one epoch of any pretraining), its own seed, through the workers; the final test ` +
      `loss on ${adapter} against wasm's.`,
    figures,
    notes: [
      outside.length === 0
        ? `${only ? 'Each of these presets' : 'Every preset'} within ${100 * tolerance} % of wasm.`
        : `Outside ${100 * tolerance} %: ${outside.join(', ')}.`,
      ...(software
        ? [`A software adapter says nothing of speed: its seconds are a CPU emulating a GPU on ${cpus().length} cores.`]
        : []),
    ],
  };
}
