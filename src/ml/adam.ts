import type { KernelFunc, NamedTensorMap, serialization, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, wasmSimd, type WasmBackendHeap } from './kernels/simd-module';
import { webGpuFusedAdam } from './kernels/webgpu-adam';
import { tf, type Variable } from './tf';

interface NamedTensor {
  name: string;
  tensor: Tensor;
}

/** One Adam step over a variable: inputs x, gradient, m, v; outputs x', m', v'. */
export const fusedAdamKernel = 'LatentStudioFusedAdam';

interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ, as float32. */
  c1: number;
  c2: number;
  /** AdamW's decoupled decay, 1 − lr·λ (1 without): x' = x·keep + the Adam step, as torch's AdamW. */
  keep: number;
}

/** The backends whose fused kernel applies the decay in the same pass (wasm's SIMD kernel decays before it). */
const decaysInKernel = new Set(['cpu', 'webgpu']);

const f = Math.fround;

/** A variable's moments, and its own step: torch.optim.Adam counts the steps of each parameter, from its first gradient. */
interface Slot {
  m: Variable;
  v: Variable;
  /** The updates this variable has had. */
  steps: number;
  /** β₁ᵗ⁺¹ and β₂ᵗ⁺¹ for its next update, accumulated in float32 as tfjs accumulates them. */
  acc1: number;
  acc2: number;
  /** Its step count as a tensor, for getWeights (made when asked, kept until the count changes). */
  saved?: Tensor;
}

/**
 * Adam (Kingma & Ba 2015) with exactly tfjs's arithmetic (its AdamOptimizer: the same float32 operations in
 * the same order), but one fused kernel per variable on backends that have one (wasm, cpu and webgpu, one dispatch
 * there, src/ml/kernels/webgpu-adam.ts) instead of twelve kernels, each a pass over the variable. Elsewhere
 * (tfjs-node) it runs tfjs's composite ops. Unlike tfjs's, and as torch's, each variable's bias correction counts
 * its own steps: a variable first trained after a thousand steps (the next layer of a stacked autoencoder, DEC's
 * cluster centres) starts its moments with the correction of a first step, not with none. Where every variable has
 * a gradient at every step this is tfjs's optimizer, bit for bit.
 */
export class Adam extends tf.Optimizer {
  static get className(): string {
    return 'Adam';
  }
  /** Each variable's moments and steps, by its name (not by its place in a step's list, which can change). */
  private slots = new Map<string, Slot>();

  constructor(
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = tf.backend().epsilon(),
  ) {
    super();
  }

  /** βᵗ⁺¹ for each step count asked for, accumulated once per count (a restore of a million steps loops once). */
  private powers = new Map<number, [number, number]>();

  /** A slot after `steps` updates, its β powers accumulated in float32 as its updates would have. */
  private slot(m: Variable, v: Variable, steps: number): Slot {
    let acc = this.powers.get(steps);
    if (!acc) {
      acc = [f(this.beta1), f(this.beta2)];
      for (let i = 0; i < steps; i++) acc = [f(acc[0] * f(this.beta1)), f(acc[1] * f(this.beta2))];
      this.powers.set(steps, acc);
    }
    return { m, v, steps, acc1: acc[0], acc2: acc[1] };
  }

  /**
   * One step of every variable given a gradient; `keep` (1 − lr·λ) is AdamW's decoupled weight decay of those
   * variables, applied first, as torch.optim.AdamW does: on webgpu and cpu in the same kernel as the step. Given as
   * a function, it is each variable's own (1 for those left undecayed, as a parameter group with no decay).
   */
  applyGradients(variableGradients: NamedTensorMap | NamedTensor[], keepAll: number | ((name: string) => number) = 1): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const fused = tf.getKernel(fusedAdamKernel, tf.getBackend()) !== undefined;
    const decayInKernel = fused && decaysInKernel.has(tf.getBackend());
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) return;
        let state = this.slots.get(name);
        if (!state) {
          const zeros = () => tf.tidy(() => tf.zerosLike(value).variable(false));
          state = this.slot(zeros(), zeros(), 0);
          this.slots.set(name, state);
        }
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name];
        if (!gradient) return;
        const keep = typeof keepAll === 'number' ? keepAll : keepAll(name);
        if (keep !== 1 && !decayInKernel) value.assign(tf.mul(value, keep));
        const attrs: AdamAttrs = {
          beta1: this.beta1,
          beta2: this.beta2,
          epsilon: this.epsilon,
          learningRate: this.learningRate,
          c1: f(1 - state.acc1),
          c2: f(1 - state.acc2),
          keep: decayInKernel ? keep : 1,
        };
        const [x, m, v] = fused
          ? tf.engine().runKernel<Tensor[]>(fusedAdamKernel, { x: value, gradient, m: state.m, v: state.v }, { ...attrs })
          : composite(value, gradient, state.m, state.v, attrs);
        state.m.assign(m as Tensor);
        state.v.assign(v as Tensor);
        value.assign(x as Tensor);
        state.steps++;
        state.acc1 = f(state.acc1 * f(this.beta1));
        state.acc2 = f(state.acc2 * f(this.beta2));
        if (state.saved) tf.dispose(state.saved);
        delete state.saved;
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    tf.dispose([...this.slots.values()].flatMap((s) => [s.m, s.v, ...(s.saved ? [s.saved] : [])]));
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const entries = [...this.slots.entries()];
    for (const [, s] of entries) s.saved ??= tf.scalar(s.steps, 'int32');
    return [
      await this.saveIterations(),
      ...entries.map(([name, s]) => ({ name: `${name}/m`, tensor: s.m })),
      ...entries.map(([name, s]) => ({ name: `${name}/v`, tensor: s.v })),
      ...entries.map(([name, s]) => ({ name: `${name}/t`, tensor: s.saved as Tensor })),
    ];
  }

  /**
   * Restores what getWeights saved. A checkpoint older than per-variable steps does not say them: a variable whose
   * moments are all zero never stepped (a layer frozen so far), every other took every step.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const parts = new Map<string, { m?: Tensor; v?: Tensor; t?: Tensor }>();
    for (const { name, tensor } of values) {
      const match = /^(.*)\/([mvt])$/.exec(name);
      if (!match) throw new Error(`Adam's saved state has an entry "${name}" that is no variable's m, v or t`);
      const [, variable, part] = match as unknown as [string, string, 'm' | 'v' | 't'];
      parts.set(variable, { ...parts.get(variable), [part]: tensor });
    }
    // The new slots first: the values may be this optimizer's own (setWeights(await getWeights())).
    const slots = new Map<string, Slot>();
    for (const [name, { m, v, t }] of parts) {
      if (!m || !v) throw new Error(`Adam's saved state lacks the ${m ? 'v' : 'm'} of variable "${name}"`);
      const untouched = async () => (await m.data()).every((x) => x === 0) && (await v.data()).every((x) => x === 0);
      const steps = t ? ((await t.data())[0] as number) : (await untouched()) ? 0 : this.iterations;
      slots.set(name, this.slot(m.variable(false), v.variable(false), steps));
    }
    this.dispose();
    this.slots = slots;
  }

  getConfig() {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const c = config as ReturnType<Adam['getConfig']>;
    return new (cls as unknown as new (...args: number[]) => T)(c.learningRate, c.beta1, c.beta2, c.epsilon);
  }
}

/** tfjs's AdamOptimizer, op for op: the reference the fused kernels must match. */
function composite(value: Tensor, g: Tensor, m: Tensor, v: Tensor, a: AdamAttrs): Tensor[] {
  const m2 = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
  const v2 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
  const x2 = tf.add(tf.mul(tf.div(tf.div(m2, a.c1), tf.add(tf.sqrt(tf.div(v2, a.c2)), a.epsilon)), -a.learningRate), value);
  return [x2, m2, v2];
}

/** The scalar constants as float32, as tfjs's scalars hold them. */
function constants(a: AdamAttrs) {
  return {
    beta1: f(a.beta1),
    oneMinusBeta1: f(1 - a.beta1),
    beta2: f(a.beta2),
    oneMinusBeta2: f(1 - a.beta2),
    c1: f(a.c1),
    c2: f(a.c2),
    eps: f(a.epsilon),
    negLr: f(-a.learningRate),
    keep: f(a.keep),
  };
}

interface AdamInputs {
  x: TensorInfo;
  gradient: TensorInfo;
  m: TensorInfo;
  v: TensorInfo;
}

/** The kernels read the same number of float32 elements from each input: refuse anything else. */
function checkSizes(tensors: TensorInfo[]): void {
  const sizes = tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
  if (sizes.some((n) => n !== sizes[0]) || tensors.some((t) => t.dtype !== 'float32'))
    throw new Error(`fused Adam needs float32 x, gradient, m and v of one size; got sizes ${sizes.join(', ')}`);
}

/** cpu: one loop, every operation rounded to float32 as tfjs-cpu's separate kernels would store it. */
const cpuFusedAdam: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gradient, m, v } = inputs as unknown as AdamInputs;
  const cpu = backend as unknown as {
    readSync(dataId: object): Float32Array;
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  };
  const [xs, gs, ms, vs] = [x, gradient, m, v].map((t) => cpu.readSync(t.dataId)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  checkSizes([x, gradient, m, v]);
  const k = constants(attrs as unknown as AdamAttrs);
  const n = xs.length;
  const [xOut, mOut, vOut] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    const g = gs[i] as number;
    const m2 = f(f((ms[i] as number) * k.beta1) + f(g * k.oneMinusBeta1));
    const v2 = f(f((vs[i] as number) * k.beta2) + f(f(g * g) * k.oneMinusBeta2));
    const step = f(f(f(m2 / k.c1) / f(f(Math.sqrt(f(v2 / k.c2))) + k.eps)) * k.negLr);
    xOut[i] = step + f((xs[i] as number) * k.keep);
    mOut[i] = m2;
    vOut[i] = v2;
  }
  return [
    cpu.makeTensorInfo(x.shape, 'float32', xOut),
    cpu.makeTensorInfo(m.shape, 'float32', mOut),
    cpu.makeTensorInfo(v.shape, 'float32', vOut),
  ];
};

/** wasm: the SIMD module's adam over the tensors where the backend keeps them. */
const wasmFusedAdam: KernelFunc = ({ inputs, backend, attrs }) => {
  const simd = wasmSimd();
  if (!simd) throw new Error('the fused Adam kernel ran before the wasm SIMD kernels were enabled');
  const { x, gradient, m, v } = inputs as unknown as AdamInputs;
  checkSizes([x, gradient, m, v]);
  const wasm = backend as unknown as WasmBackendHeap;
  const outs = [x, m, v].map((t) => wasm.makeOutput(t.shape, 'float32'));
  const [xOut, mOut, vOut] = outs.map((t) => heapOffset(wasm, t)) as [number, number, number];
  const k = constants(attrs as unknown as AdamAttrs);
  const n = x.shape.reduce((a, b) => a * b, 1);
  simd.adam(
    heapOffset(wasm, x),
    heapOffset(wasm, gradient),
    heapOffset(wasm, m),
    heapOffset(wasm, v),
    xOut,
    mOut,
    vOut,
    n,
    k.beta1,
    k.oneMinusBeta1,
    k.beta2,
    k.oneMinusBeta2,
    k.c1,
    k.c2,
    k.eps,
    k.negLr,
  );
  return outs;
};

/** Registers the fused kernel for a backend that can run it ('wasm' only once its SIMD kernels are enabled). */
export function registerFusedAdam(backendName: 'cpu' | 'wasm' | 'webgpu'): void {
  if (tf.getKernel(fusedAdamKernel, backendName)) return;
  const kernels = {
    cpu: () => cpuFusedAdam,
    wasm: () => wasmFusedAdam,
    webgpu: () => webGpuFusedAdam((attrs) => constants(attrs as AdamAttrs)),
  };
  tf.registerKernel({ kernelName: fusedAdamKernel, backendName, kernelFunc: kernels[backendName]() });
}

/** Removes the fused kernel, so that Adam runs tfjs's composite ops: what the bench compares it with. */
export function unregisterFusedAdam(backendName: string): void {
  if (tf.getKernel(fusedAdamKernel, backendName)) tf.unregisterKernel(fusedAdamKernel, backendName);
}
