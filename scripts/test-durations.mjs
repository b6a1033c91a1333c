#!/usr/bin/env node
// Writes tests/durations.json, the seconds each test file took, from Vitest's record of its last runs
// (node_modules/.vite/vitest/*/results.json), for the longest-first order of tests/sequencer.ts. Run it after
// `npm run test:unit` and `npm run test:long` on a machine like CI's; files Vitest has no record of keep their entry.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cacheDir = join(root, 'node_modules', '.vite', 'vitest');
const out = join(root, 'tests', 'durations.json');
const table = JSON.parse(readFileSync(out, 'utf8'));
for (const dir of readdirSync(cacheDir)) {
  const { results } = JSON.parse(readFileSync(join(cacheDir, dir, 'results.json'), 'utf8'));
  for (const [key, { duration }] of results) {
    const file = key.replace(/^[^:]*:/, '');
    if (duration > 0) table[file] = Math.round(duration / 100) / 10;
  }
}
// Files that are gone leave the table.
const kept = Object.entries(table).filter(([file]) => existsSync(join(root, file)));
const sorted = Object.fromEntries(kept.sort(([, a], [, b]) => b - a));
writeFileSync(out, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${Object.keys(sorted).length} files in ${out}`);
