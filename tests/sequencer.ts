import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = join(import.meta.dirname, '..');

/** Seconds per test file, as a whole run on two cores took them (`node scripts/test-durations.mjs` writes it). */
const durations = JSON.parse(readFileSync(join(import.meta.dirname, 'durations.json'), 'utf8')) as Record<string, number>;

/** A file not in the table yet: taken for a middling integration test, so a new long one does not start last. */
const unknownSeconds = 10;

/**
 * The longest files first. Two files run at a time, and a clean clone has no timings of its own, so Vitest would
 * start them in the order it found them, the integration tests after the unit tests: the last long file then ran
 * alone while the other core idled. Longest first keeps both cores busy to the end.
 */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification) => durations[relative(root, f.moduleId)] ?? unknownSeconds;
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
