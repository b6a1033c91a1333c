#!/usr/bin/env node
// `npm run checks`: the static checks of `npm test` (tsc, svelte-check, ESLint, Prettier), two at a time, each one's
// output printed whole when it ends. They are single-threaded, so on two cores this takes the time of the longest
// pair instead of the sum. Exits non-zero, naming them, if any check fails.
import { spawn } from 'node:child_process';

// ESLint's typed rules make it the longest check by far (130 s of the 170 s the checks took on CI's two cores), so
// it runs as two halves that together lint exactly what `eslint .` lints: the renderer (its Svelte files are the
// slowest to lint), and the rest.
const eslintFirstHalf = ['src/renderer'];
const checks = [
  ['eslint (renderer)', ['eslint', ...eslintFirstHalf]],
  ['tsc', ['tsc', '-b', 'tsconfig.json']],
  ['eslint (the rest)', ['eslint', '.', ...eslintFirstHalf.flatMap((dir) => ['--ignore-pattern', `${dir}/**`])]],
  ['svelte-check', ['svelte-check', '--tsconfig', './tsconfig.web.json', '--fail-on-warnings']],
  ['prettier', ['prettier', '--check', '.']],
];

function run([name, [command, ...args]]) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('npx', ['--no-install', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      process.stdout.write(`\n== ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} in ${seconds} s\n${output}`);
      resolve(code === 0 ? null : name);
    });
  });
}

const queue = [...checks];
const failed = [];
await Promise.all(
  [0, 1].map(async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const failure = await run(next);
      if (failure) failed.push(failure);
    }
  }),
);
if (failed.length > 0) {
  console.error(`\nchecks failed: ${failed.join(', ')}`);
  process.exit(1);
}
