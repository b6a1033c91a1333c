import { totalmem } from 'node:os';
import { type FieldIssue, type RunConfig } from '../shared/config';
import { checkRunConfig, trainingSetIssues, type MachineLimits } from '../families/run-config';
import type { DatasetCatalog } from './datasets/catalog';

let autoBackend: string | undefined;

/** What `auto` picks on this machine, as a probe found it (system.info's): the memory check follows it from then on. */
export function rememberAutoBackend(name: string): void {
  autoBackend = name;
}

export function machineLimits(): MachineLimits {
  return { totalMemoryBytes: totalmem(), ...(autoBackend ? { autoBackend } : {}) };
}

/**
 * Every check a run must pass before anything is stored or a worker starts, the same for the API and the CLI:
 * the contract's checks against the data sets and this machine, then the exact size of a class selection. A run that
 * `continuing` (resumed, extended) is not asked what only a new run is (see checkRunConfig).
 */
export function checkRun(config: RunConfig, datasets: DatasetCatalog, continuing = false): FieldIssue[] {
  const facts = datasets.facts();
  const issues = checkRunConfig(config, (name) => facts.get(name), machineLimits(), continuing);
  const d = config.dataset;
  if (issues.length === 0 && d.classes && datasets.info(d.name)?.stored !== false) {
    // Only the labels tell how many images some classes hold; they are read, the images stay on disk. (Opened
    // without the validation split, which trainingSetIssues checks: too few images for one would throw here.)
    const { validationFraction: _, ...selection } = d;
    issues.push(...trainingSetIssues(config, datasets.open(selection).train.count, d.classes.length));
  }
  return issues;
}
