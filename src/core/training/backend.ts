import type { BackendInfo } from '../../shared/api';
import type { BackendPreference } from '../../shared/config';
import { registerWasmConvKernels } from './kernels/conv-gradients';
import { registerWasmTransposedMatMul } from './kernels/transposed-matmul';
import { tf, tfRequire } from './tf';

type Concrete = Exclude<BackendPreference, 'auto'>;

interface Attempt {
  /** Loads the package and returns the tfjs backend name it registers and its version. */
  load: () => { backend: string; version: string; detail: string };
  gpu: boolean;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/Cannot find module/.test(m)) return 'not installed';
  return (m.split('\n')[0] ?? m).slice(0, 200);
}

const attempts: Record<Concrete, Attempt> = {
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
    load: () => {
      const mod = tfRequire('@tensorflow/tfjs-backend-wasm') as { version_wasm: string };
      registerWasmTransposedMatMul();
      registerWasmConvKernels();
      return {
        backend: 'wasm',
        version: `tfjs-backend-wasm ${mod.version_wasm}`,
        detail: 'embedded WebAssembly (SIMD, one thread)',
      };
    },
  },
  cpu: {
    gpu: false,
    load: () => {
      const mod = tfRequire('@tensorflow/tfjs-backend-cpu') as { version_cpu: string };
      return { backend: 'cpu', version: `tfjs-backend-cpu ${mod.version_cpu}`, detail: 'plain JavaScript' };
    },
  },
};

const autoOrder: Concrete[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Picks the fastest backend that loads, once per worker: GPU first, then native CPU,
 * then the embedded wasm, then plain JS. The reason lists what was tried and why it failed.
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  kernels: readonly string[] = [],
): Promise<BackendInfo> {
  const order: Concrete[] =
    preference === 'auto' ? autoOrder : [preference, ...autoOrder.filter((b) => b !== preference && b !== 'tensorflow-gpu')];
  const skipped: string[] = [];
  for (const name of order) {
    const attempt = attempts[name];
    try {
      const loaded = attempt.load();
      if (!(await tf.setBackend(loaded.backend))) throw new Error(`backend ${loaded.backend} failed to initialise`);
      await tf.ready();
      const missing = kernels.filter((k) => !tf.getKernel(k, loaded.backend));
      if (missing.length > 0) throw new Error(`lacks ${missing.join(', ')}, which this model needs to train`);
      const chosen = preference === 'auto' ? 'auto' : preference === name ? 'requested' : `requested ${preference}, fell back`;
      const reason = [`${name}: ${loaded.detail} (${chosen})`, ...skipped].join('; ');
      return { name, version: loaded.version, gpu: attempt.gpu, reason };
    } catch (e) {
      skipped.push(`${name} unavailable: ${firstLine(e)}`);
    }
  }
  throw new Error(`no tfjs backend could be loaded: ${skipped.join('; ')}`);
}
