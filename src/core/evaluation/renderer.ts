import { wholeSet, type RunConfig } from '../../shared/config';
import type { DatasetCatalog } from '../datasets/catalog';
import type { ImageGenerator } from '../datasets/generators/generator';

/**
 * The generator that renders a run's images again: its set's, where the run trained on the whole of it. Not for a
 * chosen subset of classes or a pair of sets, whose images the whole factor distribution does not describe: those
 * are scored on their test split.
 */
export function rendererFor(
  config: RunConfig,
  catalog: Pick<DatasetCatalog, 'generatorOf'>,
): { generator: ImageGenerator; identity: number } | null {
  return wholeSet(config.dataset) ? catalog.generatorOf(config.dataset.name) : null;
}
