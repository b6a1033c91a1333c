import type { DatasetRef } from '../../shared/config';
import { selectClasses, type ImageDataset } from './dataset';
import { loadMnist } from './mnist';

type Loader = (ref: DatasetRef) => ImageDataset;

/** Data sets a run may name, by the name the config uses. */
export const datasetLoaders = {
  mnist: loadMnist,
} satisfies Record<DatasetRef['name'], Loader>;

/** Loads the named data set; with `classes`, keeps only those labels (renumbered in order), then takes the subsets. */
export function loadDataset(ref: DatasetRef): ImageDataset {
  if (!ref.classes) return datasetLoaders[ref.name](ref);
  const full = datasetLoaders[ref.name]({ name: ref.name });
  return selectClasses(full, ref.classes, ref.trainSubset, ref.testSubset);
}
