import os from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tf, tfRequire } from './tf';
import { workerScript } from './worker-script';

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
 *   script is written to a temporary file (src/ml/worker-script.ts), loading the package's own threaded glue from disk;
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
    if (text?.includes(browserLoad)) return workerScript(text.replace(browserLoad, `importScripts(${JSON.stringify(glue)});`));
    return createObjectURL(blob);
  };
  (os as { cpus: typeof os.cpus }).cpus = () => [...cpus(), ...cpus()];
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const threads = Math.min(cores, 8);
  pkg.setThreadsCount(threads);
  const pool = capThreadPool(threads);
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = createObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = cpus;
    pool?.restore();
  };
}

/** What a thread pool's worker is to emscripten's glue under Node (a worker_threads Worker, or a stand-in). */
interface PoolWorker {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  postMessage(message: unknown): void;
  onmessage?: (e: { data: unknown }) => void;
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

/** The emscripten module of tfjs's wasm backend, where it exposes its thread pool. */
interface PooledModule {
  PThread?: { unusedWorkers: PoolWorker[] };
}

/** The pool size the glue was built with (`var pthreadPoolSize = 8`), or null where it cannot be read. */
function builtPoolSize(): number | null {
  try {
    const source = readFileSync(tfRequire.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
    const sizes = new Set([...source.matchAll(/var pthreadPoolSize = (\d+);/g)].map((m) => Number(m[1])));
    return sizes.size === 1 ? ([...sizes][0] ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * tfjs's threaded glue starts a pool of eight worker threads however many threads it is asked for (emscripten's
 * PTHREAD_POOL_SIZE, fixed when tfjs built it), and XNNPACK runs on `threads` - 1 of them: each of the others costs a
 * Node worker's start (about 120 ms of CPU) and memory for nothing (measured with two threads: the process started
 * in 700 ms and 1,140 ms of CPU and held 150 MB with eight, in 300 ms, 390 ms and 100 MB with two). While the backend initialises, the glue's `Worker` (it sets the global) makes stand-ins for all but
 * the last `threads` it is asked for (emscripten hands out the last first), which answer that they have loaded and
 * are taken out of the pool once it is ready, so a thread wanted later gets a real worker as emscripten makes
 * one on demand. Where the glue's pool size cannot be read, nothing is changed.
 */
function capThreadPool(threads: number): { restore: () => void } | null {
  const size = builtPoolSize();
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  if (size === null || size <= threads || (descriptor && !descriptor.configurable)) return null;
  const standInCount = size - threads;
  const standIns = new Set<PoolWorker>();
  let Real: (new (url: string) => PoolWorker) | undefined;
  let made = 0;
  function PooledWorker(url: string): PoolWorker {
    if (!Real) throw new Error('the wasm glue asked for a worker before naming its Worker class');
    if (made++ >= standInCount) return new Real(url);
    const standIn: PoolWorker = {
      on: () => standIn,
      postMessage(message) {
        if ((message as { cmd?: unknown }).cmd !== 'load') {
          throw new Error('the wasm thread pool gave work to a worker it was not to use (see capThreadPool)');
        }
        setImmediate(() => standIn.onmessage?.({ data: { cmd: 'loaded' } }));
      },
      ref: () => undefined,
      unref: () => undefined,
      terminate: () => Promise.resolve(0),
    };
    standIns.add(standIn);
    return standIn;
  }
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => (Real ? PooledWorker : undefined),
    set: (value: new (url: string) => PoolWorker) => {
      Real = value;
    },
  });
  return {
    restore() {
      if (descriptor) Object.defineProperty(globalThis, 'Worker', descriptor);
      else if (Real) Object.defineProperty(globalThis, 'Worker', { configurable: true, writable: true, value: Real });
      else delete (globalThis as { Worker?: unknown }).Worker;
      const pthreads = (tf.findBackend('wasm') as { wasm?: PooledModule } | undefined)?.wasm?.PThread;
      if (pthreads) pthreads.unusedWorkers = pthreads.unusedWorkers.filter((w) => !standIns.has(w));
    },
  };
}

/** Worker threads the wasm backend's pool holds (its idle and its running ones); 0 without threads. */
export function wasmPoolWorkers(): number {
  const pthreads = (
    tf.findBackend('wasm') as { wasm?: { PThread?: { unusedWorkers: unknown[]; runningWorkers: unknown[] } } } | undefined
  )?.wasm?.PThread;
  return pthreads ? pthreads.unusedWorkers.length + pthreads.runningWorkers.length : 0;
}

/** Threads the wasm backend's thread pool runs (1 when it runs single-threaded). */
export function wasmThreadCount(): number {
  return (tfRequire('@tensorflow/tfjs-backend-wasm') as WasmPackage).getThreadsCount();
}
