import type { RunSummary } from '../../src/shared/api';

export function latestOf(run: RunSummary, split: string, name: string): number {
  const m = run.latest.find((l) => l.split === split && l.name === name);
  if (!m) throw new Error(`run ${run.id} has no ${split}/${name} metric`);
  return m.value;
}
