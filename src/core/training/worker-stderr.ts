/**
 * A worker's stderr as the studio forwards it to its own: everything, less what Dawn and Mesa print each time a worker
 * looks for a WebGPU adapter (src/ml/webgpu.ts tries each of Dawn's backends). They come from native code, not
 * through `console`, and say nothing wrong: the adapter a run trains on, and why, is in its environment. On this
 * machine each webgpu worker printed nine such lines:
 * - Mesa's window-system code, when no display session is set: "error: XDG_RUNTIME_DIR is invalid or not set …";
 * - Dawn capping limits it will never need: "Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced …";
 * - Dawn passing over an adapter, in a block: "Warning: <why>.", " - While initializing adapter (backend=…)", lines
 *   "    at <function> (<source>)", and a blank line.
 */
const noise = [
  /^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.$/,
  /^Warning: maxDynamic\w+PerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
];
const adapterPassedOver = /^ - While initializing adapter \(backend=[\w:]+\)$/;
const traceLine = /^ {4}at \S.*\)$/;

/** Filters a stream of stderr text line by line; `push` and `end` return what to forward. */
export class WorkerStderrFilter {
  #partial = '';
  /** A "Warning:" line held back until the next line says whether it opens a passed-over adapter's block. */
  #held: string | null = null;
  /** Inside a passed-over adapter's block: its trace lines and the blank line that ends it are dropped. */
  #inBlock = false;

  push(chunk: string): string {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    return lines.map((line) => this.#line(line)).join('');
  }

  /** The rest, once the stream has ended (a last line without its newline, a warning still held). */
  end(): string {
    const rest = this.#partial ? this.#line(this.#partial).replace(/\n$/, '') : '';
    this.#partial = '';
    const held = this.#held === null ? '' : `${this.#held}\n`;
    this.#held = null;
    return held + rest;
  }

  #line(line: string): string {
    if (this.#inBlock) {
      if (traceLine.test(line)) return '';
      this.#inBlock = false;
      if (line === '') return '';
    }
    if (adapterPassedOver.test(line) && this.#held !== null) {
      this.#held = null;
      this.#inBlock = true;
      return '';
    }
    const released = this.#held === null ? '' : `${this.#held}\n`;
    this.#held = null;
    if (noise.some((n) => n.test(line))) return released;
    if (line.startsWith('Warning: ')) {
      this.#held = line;
      return released;
    }
    return `${released}${line}\n`;
  }
}

/** Forwards a worker's stderr stream to this process's stderr through the filter. */
export function forwardWorkerStderr(stream: NodeJS.ReadableStream | null | undefined): void {
  if (!stream) return;
  const filter = new WorkerStderrFilter();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const out = filter.push(chunk);
    if (out) process.stderr.write(out);
  });
  stream.on('end', () => {
    const out = filter.end();
    if (out) process.stderr.write(out);
  });
}
