#!/usr/bin/env node
// The Debian packages the tests need beyond npm: Chromium for Playwright, and Fashion-MNIST for the
// built-in data set's tests. As root with apt-get (CI, a fresh container) they are installed;
// otherwise this names the command to run and fails, rather than letting tests fail obscurely.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { pkg: 'chromium', present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { pkg: 'dataset-fashion-mnist', present: () => existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') },
];

const missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get install -y ${missing.join(' ')}`;
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canInstall) {
  console.error(`The tests need Debian packages that are missing: ${missing.join(', ')}.\nInstall them with: sudo ${command}`);
  process.exit(1);
}
console.error(`installing ${missing.join(', ')} (${command})`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
