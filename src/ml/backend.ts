import type { BackendInfo } from '../shared/api';
import type { BackendPreference } from '../shared/config';
import { registerWasmConvKernels } from './kernels/conv-gradients';
import { useWebGpuConvFilterGradient } from './kernels/webgpu-conv-filter';
import { enableWasmSimd, type WasmBackendHeap } from './kernels/simd-module';
import { registerWasmSimdKernels } from './kernels/simd-kernels';
import { registerWasmTransposedMatMul } from './kernels/transposed-matmul';
import { registerFusedAdam } from './adam';
import { registerFusedGradients } from './kernels/fused-gradients';
import { registerFusedLosses } from './kernels/fused-losses';
import { registerCpuResizeNearestGradient } from './kernels/resize-nearest-gradient';
import { tf, tfRequire } from './tf';
import { prepareWasmThreads, wasmThreadCount } from './wasm-threads';
import { describeAdapter, type GpuAdapterInfo } from '../shared/runs';
import { checkWebGpu, pinDeterministicMatMul, registerWebGpu, webGpuAdapter, webGpuFailure } from './webgpu';

type Concrete = Exclude<BackendPreference, 'auto'>;

interface Attempt {
  /** What must hold before the backend is loaded (an adapter to run on); throws why not. */
  check?: (options: BackendOptions, auto: boolean) => Promise<void>;
  /** Loads the package and returns the tfjs backend name it registers and its version; `auto` when auto chose it. */
  load: (
    options: BackendOptions,
    auto: boolean,
  ) => { backend: string; version: string; detail: string; prepare?: () => (() => void) | null };
  gpu: boolean;
  /** The detail once the backend is up (e.g. how many threads it got). */
  describe?: (detail: string) => string;
  /** Work once the backend is up (kernels that need its memory). */
  ready?: () => Promise<void>;
  /** Why the backend failed to start, when its factory knows (tfjs only logs it). */
  failure?: () => string | null;
  /** The GPU adapter it runs on. */
  adapter?: () => GpuAdapterInfo | null;
  /** Whether a GPU backend, once up, found a GPU (libtensorflow built for CUDA runs on the CPU when it sees none). */
  onGpu?: () => boolean;
}

/**
 * Whether tfjs-node's backend runs its ops on a GPU: the flag its binding sets from libtensorflow's devices
 * (NodeJSKernelBackend.isUsingGpuDevice).
 */
export const nativeBackendOnGpu = (backend: unknown): boolean =>
  (backend as { isUsingGpuDevice?: unknown } | null)?.isUsingGpuDevice === true;

export interface BackendOptions {
  /** Let wasm run its threaded build (training workers); tests in one process keep it single-threaded. */
  threads?: boolean;
  /** For webgpu: a part of the adapter's name, to pick one among several. */
  adapter?: string | undefined;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/Cannot find module/.test(m)) return 'not installed';
  return (m.split('\n')[0] ?? m).slice(0, 600);
}

/** Auto never takes a software adapter; asked for by name, it does with LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1. */
const webGpuRule = (options: BackendOptions, auto: boolean) => ({
  allowSoftware: !auto && process.env['LATENT_STUDIO_ALLOW_SOFTWARE_GPU'] === '1',
  name: options.adapter,
});

const attempts: Record<Concrete, Attempt> = {
  webgpu: {
    gpu: true,
    check: (options, auto) => checkWebGpu(webGpuRule(options, auto)),
    load: (options, auto) => {
      const { version } = registerWebGpu(webGpuRule(options, auto));
      return { backend: 'webgpu', version, detail: 'WebGPU through Dawn' };
    },
    ready: async () => {
      // One value read back, as every step's metrics are: where reading fails (Electron's V8 memory cage refuses the
      // external buffers Dawn maps, dawn-gpu/node-webgpu#5), the next backend is used and the reason says why.
      const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
      try {
        const values = await probe.data();
        if (values[0] !== 2 || values[1] !== 3) throw new Error(`a read-back gave ${String(values)}, not 2,3`);
      } catch (e) {
        throw new Error(`reading results back failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        probe.dispose();
      }
      pinDeterministicMatMul();
      // On a GPU, the reduction; a software adapter (a CPU) does the same work faster as tfjs's serial loops (llvmpipe:
      // the conv VAE at batch 128 at 56 samples/s with the reduction, 78 without). Both are tested against the cpu backend's.
      useWebGpuConvFilterGradient(webGpuAdapter()?.software ? 'tfjs' : 'reduction');
      registerFusedAdam('webgpu');
      registerFusedGradients('webgpu');
      registerFusedLosses();
    },
    failure: webGpuFailure,
    describe: (detail) => {
      const adapter = webGpuAdapter();
      return adapter ? `${detail} on ${describeAdapter(adapter)}${adapter.software ? ' (a software adapter)' : ''}` : detail;
    },
    adapter: webGpuAdapter,
  },
  'tensorflow-gpu': {
    gpu: true,
    load: () => {
      const mod = tfRequire('@tensorflow/tfjs-node-gpu') as { version: Record<string, string> };
      return {
        backend: 'tensorflow',
        version: `tfjs-node-gpu ${mod.version['tfjs-node'] ?? '?'}`,
        detail: 'libtensorflow with CUDA',
      };
    },
    onGpu: () => nativeBackendOnGpu(tf.backend()),
    describe: (detail) =>
      nativeBackendOnGpu(tf.backend()) ? detail : 'libtensorflow built for CUDA, which found no GPU: it runs on the CPU',
  },
  tensorflow: {
    gpu: false,
    load: () => {
      const mod = tfRequire('@tensorflow/tfjs-node') as { version: Record<string, string> };
      return {
        backend: 'tensorflow',
        version: `tfjs-node ${mod.version['tfjs-node'] ?? '?'}`,
        detail: 'native libtensorflow on the CPU',
      };
    },
  },
  wasm: {
    gpu: false,
    load: (options) => {
      const mod = tfRequire('@tensorflow/tfjs-backend-wasm') as { version_wasm: string };
      registerWasmSimdKernels();
      registerWasmTransposedMatMul();
      registerWasmConvKernels();
      return {
        backend: 'wasm',
        version: `tfjs-backend-wasm ${mod.version_wasm}`,
        detail: 'embedded WebAssembly (SIMD',
        ...(options.threads ? { prepare: prepareWasmThreads } : {}),
      };
    },
    ready: async () => {
      // The conv gradients have no other implementation: without the SIMD kernels, wasm is unavailable.
      if (!(await enableWasmSimd(tf.backend() as unknown as WasmBackendHeap)))
        throw new Error('its memory could not be found for the SIMD kernels');
      registerFusedAdam('wasm');
      registerFusedGradients('wasm');
    },
    describe: (detail) => {
      const threads = wasmThreadCount();
      return `${detail}, ${threads > 1 ? `${threads} threads` : 'one thread'})`;
    },
  },
  cpu: {
    gpu: false,
    load: () => {
      const mod = tfRequire('@tensorflow/tfjs-backend-cpu') as { version_cpu: string };
      registerFusedAdam('cpu');
      registerFusedGradients('cpu');
      registerCpuResizeNearestGradient();
      return { backend: 'cpu', version: `tfjs-backend-cpu ${mod.version_cpu}`, detail: 'plain JavaScript' };
    },
  },
};

const autoOrder: Concrete[] = ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Picks the fastest backend that loads, once per worker: WebGPU on a hardware adapter, then tfjs-node-gpu, then
 * native CPU, then the embedded wasm, then plain JS. A backend asked for by name is tried first, then the same order
 * without the GPU ones. The reason lists what was tried and why it failed.
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  kernels: readonly string[] = [],
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const order: Concrete[] =
    preference === 'auto' ? autoOrder : [preference, ...autoOrder.filter((b) => b !== preference && !attempts[b].gpu)];
  const skipped: string[] = [];
  for (const name of order) {
    const attempt = attempts[name];
    try {
      await attempt.check?.(options, preference === 'auto');
      const loaded = attempt.load(options, preference === 'auto');
      // A backend initialises once per process: threads can only be asked for before the first time.
      const restore = tf.engine().registry[loaded.backend] ? null : loaded.prepare?.();
      try {
        if (!(await tf.setBackend(loaded.backend)))
          throw new Error(attempt.failure?.() ?? `backend ${loaded.backend} failed to initialise`);
        await tf.ready();
      } finally {
        restore?.();
      }
      await attempt.ready?.();
      const missing = kernels.filter((k) => !tf.getKernel(k, loaded.backend));
      if (missing.length > 0) throw new Error(`lacks ${missing.join(', ')}, which this model needs to train`);
      const chosen = preference === 'auto' ? 'auto' : preference === name ? 'requested' : `requested ${preference}, fell back`;
      const detail = attempt.describe ? attempt.describe(loaded.detail) : loaded.detail;
      const reason = [`${name}: ${detail} (${chosen})`, ...skipped].join('; ');
      const adapter = attempt.adapter?.();
      const gpu = attempt.gpu && !adapter?.software && (attempt.onGpu?.() ?? true);
      return { name, version: loaded.version, gpu, reason, ...(adapter ? { adapter } : {}) };
    } catch (e) {
      skipped.push(`${name} unavailable: ${firstLine(e)}`);
    }
  }
  throw new Error(`no tfjs backend could be loaded: ${skipped.join('; ')}`);
}

/**
 * A failure as a researcher can act on it. On wasm, running out of its heap (32-bit, at most 4 GiB) surfaces as
 * emscripten's "Aborted()", a trap ("memory access out of bounds") or tfjs's view of a failed allocation ("Invalid
 * typed array length"), none of which says memory: the message then says what most likely happened and what to
 * lower. Any other failure, or on another backend, is left as it is.
 */
export function explainFailure(message: string): string {
  const heapExhausted =
    /^Aborted\(|memory access out of bounds|Cannot enlarge memory|out of memory|Invalid typed array length/i.test(message);
  if (!heapExhausted || tf.getBackend() !== 'wasm') return message;
  return (
    `${message}: wasm most likely ran out of its heap (4 GiB at most: the weights, their gradients and optimizer ` +
    `state, and a batch's activations did not fit); train with a smaller training.batchSize or narrower layers, or ` +
    `on a GPU (backend webgpu)`
  );
}
