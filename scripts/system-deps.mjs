#!/usr/bin/env node
// The Debian packages the tests need beyond npm: Chromium for Playwright, Fashion-MNIST for the
// built-in data set's tests, Mesa's software OpenGL (llvmpipe, through EGL) and Vulkan drivers for the
// WebGPU tests on a machine without a GPU, and Slurm with munge for tests/slurm (a throwaway single-node cluster).
// As root with apt-get (CI, a fresh container) they are installed; otherwise this names the command
// to run and fails, rather than letting tests fail obscurely. Slurm is optional: without root the
// Slurm tests can't run a cluster anyway, so they are skipped and say why, and this only warns.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** A shared library in /usr/lib or the machine's multiarch folder (x86_64-linux-gnu, aarch64-linux-gnu, …). */
const libraryPresent = (name) =>
  [
    '/usr/lib',
    ...(existsSync('/usr/lib') ? readdirSync('/usr/lib') : [])
      .filter((d) => d.endsWith('-linux-gnu'))
      .map((d) => `/usr/lib/${d}`),
  ].some((dir) => existsSync(`${dir}/${name}`));

const needs = [
  { pkg: 'chromium', present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { pkg: 'dataset-fashion-mnist', present: () => existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz') },
  // Dawn reaches llvmpipe through EGL and OpenGL (its Vulkan backend needs more than Debian 12's lavapipe offers).
  { pkg: 'libegl-mesa0', present: () => libraryPresent('libEGL_mesa.so.0') },
  { pkg: 'libgl1-mesa-dri', present: () => libraryPresent('dri/swrast_dri.so') },
  { pkg: 'mesa-vulkan-drivers', present: () => libraryPresent('libvulkan_lvp.so') },
  // Without recommends: slurm-wlm-plugins would bring some 30 more packages (HDF5, ROCm, -dev headers).
  { pkg: 'slurmctld', present: () => existsSync('/usr/sbin/slurmctld'), optional: true },
  { pkg: 'slurmd', present: () => existsSync('/usr/sbin/slurmd'), optional: true },
  {
    pkg: 'slurm-client',
    present: () => ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo', 'sacct'].every((c) => existsSync(`/usr/bin/${c}`)),
    optional: true,
  },
  { pkg: 'munge', present: () => existsSync('/usr/sbin/munged') && existsSync('/usr/sbin/mungekey'), optional: true },
];

const missing = needs.filter((n) => !n.present());
if (missing.length === 0) process.exit(0);
const required = missing.filter((n) => !n.optional).map((n) => n.pkg);
const optional = missing.filter((n) => n.optional).map((n) => n.pkg);

const commands = [
  ...(required.length ? [`apt-get install -y ${required.join(' ')}`] : []),
  ...(optional.length ? [`apt-get install -y --no-install-recommends ${optional.join(' ')}`] : []),
];
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canInstall) {
  if (optional.length)
    console.error(`The Slurm tests will be skipped: missing ${optional.join(', ')} (install with: sudo ${commands.at(-1)}).`);
  if (required.length) {
    console.error(
      `The tests need Debian packages that are missing: ${required.join(', ')}.\nInstall them with: sudo ${commands[0]}`,
    );
    process.exit(1);
  }
  process.exit(0);
}
console.error(`installing ${missing.map((n) => n.pkg).join(', ')} (${commands.join('; ')})`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
if (required.length) execFileSync('apt-get', ['install', '-y', '-qq', ...required], { stdio: 'inherit', env });
// Installing munge and the Slurm daemons starts no service where policy-rc.d forbids it (containers);
// elsewhere Debian may start a system munged/slurmd, which the tests neither use nor touch.
if (optional.length)
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...optional], { stdio: 'inherit', env });
