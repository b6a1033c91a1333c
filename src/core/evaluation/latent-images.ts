/**
 * Where each image of a run's test split lies in the stored data sets, and the names of its labels: what the
 * projector needs to show test image i (`datasets.samples` of a set at an offset) beside its code. It follows the
 * selection of `DatasetCatalog.open` (a pair of sets, else chosen classes, then the first `testSubset`).
 */
import type { CommandOutput } from '../../shared/api';
import type { DatasetRef, RunConfig } from '../../shared/config';
import { selectionLabelNames } from '../../shared/datasets';
import type { DatasetCatalog } from '../datasets/catalog';
import type { EvaluationJobs } from './jobs';

export type TestImageSources = CommandOutput<'runs.latents'>['images'];

export function testImageSources(
  catalog: DatasetCatalog,
  ref: DatasetRef,
): { images: TestImageSources; labelNames: string[] | null; count: number } {
  const whole = catalog.openWhole(ref.name).dataset;
  if (ref.second) {
    const half = ref.testSubset === undefined ? undefined : Math.ceil(ref.testSubset / 2);
    const second = catalog.openWhole(ref.second).dataset;
    const a = Math.min(whole.test.count, half ?? Infinity);
    const b = Math.min(second.test.count, half ?? Infinity);
    return {
      images: {
        datasets: [ref.name, ref.second],
        set: Array.from({ length: a + b }, (_, i) => (i < a ? 0 : 1)),
        index: Array.from({ length: a + b }, (_, i) => (i < a ? i : i - a)),
      },
      labelNames: selectionLabelNames(ref, whole.labelNames),
      count: a + b,
    };
  }
  if (ref.classes) {
    const labels = whole.test.labels;
    const chosen = new Set(ref.classes);
    const index: number[] = [];
    const limit = ref.testSubset ?? Infinity;
    for (let i = 0; labels && i < whole.test.count && index.length < limit; i++) {
      if (chosen.has(labels[i] as number)) index.push(i);
    }
    return {
      images: { datasets: [ref.name], set: null, index },
      labelNames: selectionLabelNames(ref, whole.labelNames),
      count: index.length,
    };
  }
  return {
    images: { datasets: [ref.name], set: null, index: null },
    labelNames: whole.labelNames,
    count: Math.min(whole.test.count, ref.testSubset ?? Infinity),
  };
}

/** A float32 array as base64 of its little-endian bytes (every platform Node runs on is little-endian). */
export function float32Base64(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** `runs.latents`: the codes of a stopped run's test split (refused as `evaluations.latents` refuses), for the projector. */
export async function runLatents(
  evaluations: Pick<EvaluationJobs, 'latents'>,
  catalog: DatasetCatalog,
  run: { id: number; config: RunConfig },
  epoch: number | undefined,
): Promise<CommandOutput<'runs.latents'>> {
  const { epoch: at, latents } = await evaluations.latents(run.id, epoch);
  const { images, labelNames, count } = testImageSources(catalog, run.config.dataset);
  if (count !== latents.count) {
    throw new Error(`run ${run.id}: its test split holds ${latents.count} codes, its data set's selection ${count} images`);
  }
  return {
    epoch: at,
    count: latents.count,
    dim: latents.dim,
    codes: float32Base64(latents.codes),
    labels: latents.labels ? Array.from(latents.labels) : null,
    labelNames,
    factors: latents.factors ? float32Base64(latents.factors) : null,
    factorNames: latents.factorNames,
    clusters: latents.clusters ? Array.from(latents.clusters) : null,
    images,
  };
}
