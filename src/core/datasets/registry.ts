import type { DatasetRef } from '../../shared/config';
import type { ImageDataset } from './dataset';
import { loadMnist } from './mnist';

type Loader = (ref: DatasetRef) => ImageDataset;

/** Data sets a run may name, by the name the config uses. */
export const datasetLoaders = {
  mnist: loadMnist,
} satisfies Record<DatasetRef['name'], Loader>;

export function loadDataset(ref: DatasetRef): ImageDataset {
  return datasetLoaders[ref.name](ref);
}
