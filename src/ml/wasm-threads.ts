import os from 'node:os';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tf, tfRequire } from './tf';

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** How the pthread worker loads the module in the browser build, and what it does under Node instead. */
const browserLoad =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/**
 * Lets tfjs's wasm backend use its threaded SIMD build under Node, where tfjs turns threads off
 * (tensorflow/tfjs#3830) although the emscripten glue supports Node's worker_threads. Three things stand
 * in the way, each bridged only while the backend initialises:
 * - the flag WASM_HAS_MULTITHREAD_SUPPORT is false under Node: it is set;
 * - the pthread workers' script is handed over as a Blob URL, which Node's Worker cannot load: the
 *   script is written to a temporary file, loading the package's own threaded glue from disk;
 * - tfjs halves the logical core count (assuming hyper-threads) and caps its pool there, one thread on a
 *   two-core machine: the core count is doubled while it asks.
 * Returns a function that undoes the bridges (call it once the backend is ready), or null when threads
 * are not worth it (one core, or a budget of 0 or 1 in LATENT_STUDIO_WASM_THREADS).
 */
export function prepareWasmThreads(): (() => void) | null {
  // The scheduler hands each worker its share of the cores (LATENT_STUDIO_WASM_THREADS=N); 0 or 1 is one thread.
  const budget = Number.parseInt(process.env['LATENT_STUDIO_WASM_THREADS'] ?? '', 10);
  const all = os.availableParallelism?.() ?? os.cpus().length;
  const cores = Number.isNaN(budget) ? all : Math.min(all, budget);
  if (cores < 2 || typeof SharedArrayBuffer === 'undefined') return null;
  const pkg = tfRequire('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  const glue = join(
    dirname(tfRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'wasm-out',
    'tfjs-backend-wasm-threaded-simd.js',
  );
  const dir = join(os.tmpdir(), `latent-studio-wasm-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

  const OriginalBlob = globalThis.Blob;
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus;
  const texts = new WeakMap<object, string>();
  globalThis.Blob = class extends OriginalBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const [parts] = args;
      if (parts?.every((p) => typeof p === 'string')) texts.set(this, parts.join(''));
    }
  };
  URL.createObjectURL = (blob: Blob) => {
    const text = texts.get(blob);
    if (text?.includes(browserLoad)) {
      const file = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
      writeFileSync(file, text.replace(browserLoad, `importScripts(${JSON.stringify(glue)});`));
      return file;
    }
    return createObjectURL(blob);
  };
  (os as { cpus: typeof os.cpus }).cpus = () => [...cpus(), ...cpus()];
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  pkg.setThreadsCount(Math.min(cores, 8));
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = createObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = cpus;
  };
}

/** Threads the wasm backend's thread pool runs (1 when it runs single-threaded). */
export function wasmThreadCount(): number {
  return (tfRequire('@tensorflow/tfjs-backend-wasm') as WasmPackage).getThreadsCount();
}
