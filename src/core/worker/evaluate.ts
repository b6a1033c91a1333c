/** The worker's `evaluate` and `latents` handlers, over a run's model rebuilt at a checkpoint. */
import { loadFamilyModules } from '../../families/family-modules';
import { selectBackend } from '../../ml/backend';
import { DatasetCatalog } from '../datasets/catalog';
import { rendererFor } from '../evaluation/renderer';
import { evaluateModel, testLatents } from '../evaluation/evaluate';
import { readCheckpoint } from '../training/checkpoint';
import type { FromWorker, ToWorker } from '../training/protocol';
import { buildModel, restoreFrom } from '../training/rebuild';

/** A run's model rebuilt at a checkpoint on its data set, in a worker that evaluates or encodes (no training). */
export async function rebuildAt(msg: Extract<ToWorker, { type: 'evaluate' | 'latents' | 'explore' }>) {
  const { config } = msg;
  await loadFamilyModules();
  await selectBackend(config.backend ?? 'auto', [], { threads: true, adapter: config.gpuAdapter });
  const catalog = new DatasetCatalog(msg.datasets.root, msg.datasets);
  const dataset = catalog.open(config.dataset);
  const model = buildModel(config, dataset);
  restoreFrom(model, readCheckpoint(msg.checkpoint.path, msg.checkpoint.sha256));
  const renderer = rendererFor(config, catalog);
  return { model, dataset, factors: catalog.info(config.dataset.name)?.factors ?? [], renderer };
}

export async function runEvaluation(
  msg: Extract<ToWorker, { type: 'evaluate' }>,
  post: (m: FromWorker) => void = () => undefined,
): Promise<FromWorker> {
  const { model, dataset, factors, renderer } = await rebuildAt(msg);
  try {
    const onStep = (words: string, at: number, steps: number) => post({ type: 'evaluationStep', step: { words, at, steps } });
    return { type: 'evaluated', ...(await evaluateModel(model, msg.config.family, dataset, factors, msg, renderer, onStep)) };
  } finally {
    model.dispose();
  }
}

export async function runLatents(msg: Extract<ToWorker, { type: 'latents' }>): Promise<FromWorker> {
  const { model, dataset, factors } = await rebuildAt(msg);
  try {
    return { type: 'latents', latents: await testLatents(model, msg.config.family, dataset, factors) };
  } finally {
    model.dispose();
  }
}
