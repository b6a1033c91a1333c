/**
 * WebGPU through Dawn (the `webgpu` package's prebuilt dawn.node), for tfjs-backend-webgpu: one API to every vendor's
 * GPU (Vulkan, Metal, D3D12), and to Mesa's software rasterisers through Dawn's OpenGL backends in compatibility mode.
 *
 * Which adapter: Dawn's native backend first, then OpenGL and OpenGL ES (where Mesa's llvmpipe answers on a machine
 * without a GPU). A software adapter (llvmpipe, lavapipe, SwiftShader, recognised from its description) is used only
 * when a run asks for webgpu by name and LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1 is set: it is correct but no faster than
 * the CPU. `adapter` picks one by a part of its name when there are several.
 */
import { describeAdapter, type GpuAdapterInfo } from '../shared/runs';
import { tf, tfRequire } from './tf';

/** Dawn's backends, tried in this order: its default (Vulkan, Metal or D3D12), then the OpenGL ones. */
const dawnBackends = [
  { flag: null, label: 'native (Vulkan, Metal or D3D12)', compatibility: false },
  { flag: 'backend=opengl', label: 'OpenGL (compatibility mode)', compatibility: true },
  { flag: 'backend=opengles', label: 'OpenGL ES (compatibility mode)', compatibility: true },
] as const;

const softwareAdapter = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render/i;

/** A software rasteriser, recognised from what the adapter says of itself. */
export function isSoftwareAdapter(info: Pick<GpuAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>): boolean {
  return softwareAdapter.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

export interface AdapterRule {
  /** A software adapter may be used (webgpu asked for by name, and LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1). */
  allowSoftware: boolean;
  /** A part of the adapter's name (vendor, architecture, device or description), case-insensitive. */
  name?: string | undefined;
}

/** Whether the adapter's name contains the rule's (any adapter, without one). */
function nameMatches(a: GpuAdapterInfo, rule: AdapterRule): boolean {
  return (
    !rule.name || [a.vendor, a.architecture, a.device, a.description].join(' ').toLowerCase().includes(rule.name.toLowerCase())
  );
}

/**
 * The adapter to use among those Dawn found, in its order, by the rule; otherwise an Error that says what was found
 * and why none was taken (the reason a fallback records).
 */
export function chooseAdapter<A extends GpuAdapterInfo>(found: readonly A[], rule: AdapterRule): A {
  const named = (a: A) => nameMatches(a, rule);
  const usable = found.filter((a) => named(a) && (rule.allowSoftware || !a.software));
  if (usable[0]) return usable[0];
  const list = found.map((a) => `${describeAdapter(a)}${a.software ? ' (software)' : ''}`).join('; ');
  if (found.length === 0) throw new Error('Dawn found no WebGPU adapter');
  if (rule.name && !found.some(named)) throw new Error(`no adapter's name contains "${rule.name}" (found: ${list})`);
  throw new Error(
    `only a software adapter was found (${list}); it is used only with backend 'webgpu' and LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1`,
  );
}

interface Found extends GpuAdapterInfo {
  gpu: GPU;
  adapter: GPUAdapter;
}

/**
 * The adapters Dawn offers, one per backend that answers (a backend that fails is skipped), until one the rule takes:
 * on a machine with a GPU, OpenGL through its driver is not opened for nothing.
 */
export async function findAdapters(rule: AdapterRule): Promise<Found[]> {
  // Mesa's EGL needs a platform without a display server; set before Dawn opens EGL (it reads the environment then).
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const { create, globals } = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: object };
  Object.assign(globalThis, globals);
  const found: Found[] = [];
  for (const b of dawnBackends) {
    const gpu = create(b.flag ? [b.flag] : []);
    // High performance: where Vulkan offers a GPU and a software device (lavapipe) too, Dawn answers with the GPU.
    const options: GPURequestAdapterOptions = { powerPreference: 'high-performance' };
    const adapter = await gpu
      .requestAdapter(b.compatibility ? { ...options, featureLevel: 'compatibility' } : options)
      .catch(() => null);
    if (!adapter) continue;
    const { vendor, architecture, device, description } = adapter.info;
    const info = { vendor, architecture, device, description, dawnBackend: b.label };
    const software = isSoftwareAdapter(info);
    found.push({ ...info, software, gpu, adapter });
    // The first the rule takes is the one chosen (chooseAdapter): no need to open the backends after it.
    if ((rule.allowSoftware || !software) && nameMatches({ ...info, software }, rule)) break;
  }
  return found;
}

/** The adapter the registered backend runs on, once it has started (null before, or when it could not). */
let current: GpuAdapterInfo | null = null;
/** Why the last start failed, for the fallback's reason (tfjs only logs a failed backend factory). */
let failure: string | null = null;
let registeredRule: AdapterRule | null = null;

/** The adapters found for each rule: found once, by the check or by the backend's start. */
const probed = new Map<string, Promise<Found[]>>();
function adaptersFor(rule: AdapterRule): Promise<Found[]> {
  const key = JSON.stringify([rule.allowSoftware, rule.name ?? null]);
  let found = probed.get(key);
  if (!found) probed.set(key, (found = findAdapters(rule)));
  return found;
}

/** What went wrong on the device since it started: its asynchronous errors (a dropped dispatch) and why it was lost. */
const health = { errors: 0, shown: [] as string[], lost: null as string | null };
export const webGpuHealth = (): Readonly<typeof health> => health;

/** WebGPU reports validation and out-of-memory errors, and a lost device, asynchronously: said, not left silent. */
export function watchDevice(device: GPUDevice): void {
  device.onuncapturederror = (event) => {
    health.errors++;
    const message = event.error.message;
    if (health.shown.length < 5 && !health.shown.includes(message)) {
      health.shown.push(message);
      console.error(`latent-studio: a WebGPU error on the device: ${message}`);
    }
  };
  void device.lost.then((info) => {
    health.lost = `${info.reason}: ${info.message}`;
    console.error(`latent-studio: the WebGPU device was lost (${health.lost})`);
  });
}

export const webGpuAdapter = () => current;
export const webGpuFailure = () => failure;

/**
 * Registers tfjs's webgpu backend on the adapter the rule picks (once per process: a backend starts once). Its
 * device asks for the adapter's own compute limits, as tfjs-backend-webgpu's factory does: compatibility mode's
 * defaults (128 invocations a workgroup) are below what its reductions use, and they silently return zeros.
 */
export function registerWebGpu(rule: AdapterRule): { version: string } {
  const mod = tfRequire('@tensorflow/tfjs-backend-webgpu') as {
    WebGPUBackend: new (device: GPUDevice, info?: GPUAdapterInfo) => object;
  };
  // Its index exports no version: the package's own manifest says it.
  const version = `tfjs-backend-webgpu ${(tfRequire('@tensorflow/tfjs-backend-webgpu/package.json') as { version: string }).version}`;
  if (registeredRule) {
    if (registeredRule.allowSoftware !== rule.allowSoftware || registeredRule.name !== rule.name)
      throw new Error('webgpu already started in this process with another adapter rule');
    return { version };
  }
  registeredRule = rule;
  // The package registers its own factory only where navigator.gpu exists (a browser): ours replaces it.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      try {
        const found = await adaptersFor(rule);
        const chosen = chooseAdapter(found, rule);
        const l = chosen.adapter.limits;
        // Per-kernel GPU times (tf.profile) need timestamp queries, as tfjs's own factory asks for them where the
        // adapter has them; tfjs uses them only while it profiles.
        const timestamps = chosen.adapter.features.has('timestamp-query');
        const device = await chosen.adapter.requestDevice({
          requiredFeatures: timestamps ? ['timestamp-query'] : [],
          requiredLimits: {
            maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
            maxBufferSize: l.maxBufferSize,
            maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
            maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
            maxComputeWorkgroupSizeZ: l.maxComputeWorkgroupSizeZ,
            maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
            maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
          },
        });
        watchDevice(device);
        // tfjs-backend-webgpu checks navigator.gpu (Node 20 has no navigator): the instance its adapter came from.
        const nav = ((globalThis as { navigator?: object }).navigator ??= {});
        Object.defineProperty(nav, 'gpu', { value: chosen.gpu, configurable: true });
        const { adapter: _, gpu: __, ...info } = chosen;
        current = info;
        failure = null;
        return new mod.WebGPUBackend(device, chosen.adapter.info) as ReturnType<Parameters<typeof tf.registerBackend>[1]>;
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e);
        throw e;
      }
    },
    0,
  );
  return { version };
}

/**
 * Whether the rule finds an adapter, before tfjs starts the backend: where it does not (no GPU, or only a software
 * one), this throws why, and tfjs never runs the factory, which it would log as a failure with a stack at every
 * studio start on a machine without a GPU.
 */
export async function checkWebGpu(rule: AdapterRule): Promise<void> {
  chooseAdapter(await adaptersFor(rule), rule);
}

/**
 * The GPU dispatches `fn` records on the webgpu backend: tfjs-backend-webgpu records each program it runs as one
 * dispatch (its recordAndSubmit), while reshapes and other views record none.
 */
export async function countDispatches(fn: () => unknown): Promise<number> {
  const backend = tf.findBackend('webgpu') as unknown as { recordAndSubmit: (...args: unknown[]) => unknown } | null;
  if (!backend) throw new Error('webgpu is not started');
  const original = backend.recordAndSubmit;
  let count = 0;
  backend.recordAndSubmit = (...args: unknown[]) => {
    count++;
    return original.apply(backend, args);
  };
  try {
    await fn();
  } finally {
    backend.recordAndSubmit = original;
  }
  return count;
}

/** tfjs-backend-webgpu's MatMulProgramType.MatMulSmallOutputSizeProgram (its enum is not exported). */
const smallOutputSizeProgram = 2;

/**
 * Whether tfjs-backend-webgpu 4.22 would run this product with its split-K program (batchMatMulImpl's choice: a
 * single product with few 32×32 output tiles, more than 128 outputs and an inner dimension of 2,000 or more).
 */
export function wouldSplitK(
  a: readonly number[],
  b: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
  threshold: number,
): boolean {
  const rank = a.length;
  const m = (transposeA ? a[rank - 1] : a[rank - 2]) ?? 1;
  const n = (transposeB ? b[b.length - 2] : b[b.length - 1]) ?? 1;
  const inner = (transposeB ? b[b.length - 1] : b[b.length - 2]) ?? 1;
  const batch = Math.max(
    a.slice(0, -2).reduce((p, d) => p * d, 1),
    b.slice(0, -2).reduce((p, d) => p * d, 1),
  );
  const tiles = batch * Math.ceil(m / 32) * Math.ceil(n / 32);
  const few = tiles <= threshold || (m <= 8 && tiles <= 2 * threshold);
  return few && batch * m * n > 128 && batch === 1 && inner >= 2000;
}

/**
 * The split-K matmul sums partial products with float atomics in whatever order the GPU runs them, so two identical
 * steps differ in the last bits and a resumed run drifts from the uninterrupted one (measured here on llvmpipe: a
 * [64, 2000] × [2000, 10] product, DEC's last encoder layer, gave three different results in three calls). Its
 * choice is tfjs-backend-webgpu's heuristic with no per-call switch (its flag WEBGPU_MATMUL_PROGRAM_TYPE pins one
 * program for every product), so the matmul kernels are wrapped: a product that would split K runs the
 * small-output program instead, which sums in a fixed order; every other product keeps tfjs's choice.
 */
export function pinDeterministicMatMul(): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const kernel = tf.getKernel(name, 'webgpu');
    if (!kernel || pinned.has(name)) continue;
    pinned.add(name);
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        const { a, b } = args.inputs;
        const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
        if (!a || !b) return kernel.kernelFunc(args);
        const threshold = (args.backend as unknown as { thresholdToIncreaseWorkgroups: number }).thresholdToIncreaseWorkgroups;
        if (!wouldSplitK(a.shape, b.shape, transposeA, transposeB, threshold)) return kernel.kernelFunc(args);
        const flags = tf.env();
        const before = flags.getNumber('WEBGPU_MATMUL_PROGRAM_TYPE');
        flags.set('WEBGPU_MATMUL_PROGRAM_TYPE', smallOutputSizeProgram);
        try {
          return kernel.kernelFunc(args);
        } finally {
          flags.set('WEBGPU_MATMUL_PROGRAM_TYPE', before);
        }
      },
    });
  }
}
const pinned = new Set<string>();
