import { tf, type Tensor } from './tf';

/** A tensor's values as float32 (int32 and bool values are exact in float32 below 2²⁴). */
const asFloats = (values: ArrayLike<number>): Float32Array =>
  values instanceof Float32Array ? values : Float32Array.from(values);

/**
 * Batched asynchronous reads. Tensors made inside a tf.tidy are kept, then `read()` fetches them all at once and hands
 * each one's values to whoever asked. Every read outside the training step goes through here, because WebGPU in Node
 * has no synchronous read: tfjs-webgpu's dataSync draws through an OffscreenCanvas, which Node lacks, and Dawn's
 * buffer mapping only resolves a promise. On wasm and the CPU it costs nothing extra.
 */
export class Reads {
  private pending: { tensor: Tensor; fill: (values: Float32Array) => void }[] = [];

  /** Calls `fill` with t's values when they are read. t may be a variable: a clone (no copy) is what is kept and freed. */
  values(t: Tensor, fill: (values: Float32Array) => void): void {
    this.pending.push({ tensor: tf.keep(tf.clone(t)), fill });
  }

  /** t [n, width] as n rows: the array is filled in place when read. */
  rows(t: Tensor, n: number, width: number): Float32Array[] {
    const out: Float32Array[] = [];
    this.values(t, (data) => {
      for (let i = 0; i < n; i++) out.push(data.slice(i * width, (i + 1) * width));
    });
    return out;
  }

  /** Reads every tensor asked for since the last read, together, then frees them. */
  async read(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    try {
      const values = await Promise.all(pending.map((p) => p.tensor.data()));
      pending.forEach((p, i) => p.fill(asFloats(values[i] as ArrayLike<number>)));
    } finally {
      tf.dispose(pending.map((p) => p.tensor));
    }
  }
}

/** The values of the tensor `compute` makes (inside a tidy), read asynchronously. */
export async function readFloats(compute: () => Tensor): Promise<Float32Array> {
  return (await readAll(() => ({ values: compute() }))).values;
}

/** The values of each tensor `compute` makes (inside a tidy), read together, asynchronously. */
export async function readAll<K extends string>(compute: () => Record<K, Tensor>): Promise<Record<K, Float32Array>> {
  const reads = new Reads();
  const out: Partial<Record<K, Float32Array>> = {};
  tf.tidy(() => {
    for (const [key, t] of Object.entries<Tensor>(compute())) reads.values(t, (v) => (out[key as K] = v));
  });
  await reads.read();
  return out as Record<K, Float32Array>;
}
