/** The worker's `export` handler: a run's model at a checkpoint written as tfjs layers models (model.json + weights). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFamilyModules } from '../../families/family-modules';
import { selectBackend } from '../../ml/backend';
import { tf, type LayersModel } from '../../ml/tf';
import { DatasetCatalog } from '../datasets/catalog';
import { npyBytes } from '../datasets/npy';
import { readCheckpoint } from '../training/checkpoint';
import type { ExportContents, ToWorker } from '../training/protocol';
import { buildModel, restoreFrom } from '../training/rebuild';

/** Writes a tfjs layers model as model.json + weights.bin (what tf.loadLayersModel reads), no tfjs-node needed. */
async function saveLayersModel(model: LayersModel, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array();
      writeFileSync(join(dir, 'weights.bin'), weights);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `Latent Studio, TensorFlow.js ${tf.version_core}`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      files.push(join(dir, 'model.json'), join(dir, 'weights.bin'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

/** A layers model's input or output shapes, one per tensor (the batch dimension null). */
const shapesOf = (tensors: readonly { shape: readonly (number | null)[] }[]) => tensors.map((t) => [...t.shape]);

export async function runExport(
  msg: Extract<ToWorker, { type: 'export' }>,
): Promise<{ files: string[]; contents: ExportContents }> {
  const { config } = msg;
  // Families registered outside src/families (LATENT_STUDIO_FAMILY_MODULES), as the other workers load them.
  await loadFamilyModules();
  await selectBackend(config.backend ?? 'auto', [], { threads: false, adapter: config.gpuAdapter });
  // As the run recorded it, so that a data set deleted or changed since does not stand in the way; older runs open it.
  const model = buildModel(config, msg.modelInput ?? new DatasetCatalog(msg.datasets.root, msg.datasets).open(config.dataset));
  restoreFrom(model, readCheckpoint(msg.checkpoint.path, msg.checkpoint.sha256));
  const parts = model.layersModels?.();
  if (!parts) throw new Error(`the ${config.family} family has no layers models to export`);
  const files: string[] = [];
  const notes = model.exportNotes?.() ?? {};
  const noted = (name: string) => (notes[name] === undefined ? {} : { note: notes[name] });
  const contents: ExportContents = { parts: {}, arrays: {} };
  for (const [name, part] of Object.entries(parts)) {
    files.push(...(await saveLayersModel(part, join(msg.outDir, name))));
    contents.parts[name] = { inputs: shapesOf(part.inputs), outputs: shapesOf(part.outputs), ...noted(name) };
  }
  for (const [name, tensor] of Object.entries(model.exportArrays?.() ?? {})) {
    const file = join(msg.outDir, `${name}.npy`);
    writeFileSync(file, npyBytes(Float32Array.from(await tensor.data()), tensor.shape));
    files.push(file);
    contents.arrays[`${name}.npy`] = { shape: [...tensor.shape], ...noted(name) };
  }
  model.dispose();
  return { files, contents };
}
