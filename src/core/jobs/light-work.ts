/**
 * Light work: one-shot requests a caller waits for (an export, samples, a run's test codes, the backend probe) and the
 * explorer's long-lived sessions. Each has a worker of its own, started at once beside the scheduler's slots rather
 * than queued behind a training run (a user waits on it), but counted, given the same share of threads, and killed
 * when the studio shuts down.
 */
import type { BackendInfo } from '../../shared/api';
import type { BackendPreference } from '../../shared/config';
import type { FromWorker, ToWorker, WorkerHandle, WorkerLauncher } from '../training/protocol';

export class LightWork {
  readonly #workers = new Set<WorkerHandle>();
  #closed = false;

  constructor(
    private readonly launch: WorkerLauncher,
    private readonly threads: () => number,
    /** Told when a worker starts or ends (the scheduler's counts include them). */
    private readonly changed: () => void = () => undefined,
  ) {}

  /** Workers of light work alive now. */
  get count(): number {
    return this.#workers.size;
  }

  private start(threads?: number): WorkerHandle {
    if (this.#closed) throw new Error('the studio is shutting down');
    const worker = this.launch(threads === undefined ? undefined : { threads });
    this.#workers.add(worker);
    worker.onExit(() => {
      this.#workers.delete(worker);
      this.changed();
    });
    this.changed();
    return worker;
  }

  /**
   * Runs one request in a short-lived worker and settles with its answer. A worker that dies answers with how it
   * died; `signal` kills the worker; `progress` hears the job's other messages before its answer.
   */
  request<T extends FromWorker['type']>(
    message: ToWorker,
    answer: T,
    signal?: AbortSignal,
    progress?: (m: FromWorker) => void,
  ): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error('abandoned before it started'));
      const worker = this.start(this.threads());
      const kill = () => worker.kill();
      signal?.addEventListener('abort', kill, { once: true });
      let settled = false;
      worker.onMessage((m) => {
        if (m.type === answer) {
          settled = true;
          resolve(m as Extract<FromWorker, { type: T }>);
        } else if (m.type === 'failed' || m.type === 'probeFailed') {
          settled = true;
          reject(new Error(m.error));
        } else if (!settled) progress?.(m);
      });
      worker.onExit((description) => {
        signal?.removeEventListener('abort', kill);
        if (!settled) reject(new Error(description));
      });
      worker.send(message);
    });
  }

  /**
   * Starts a long-lived worker for a session and sends it its first message (an explorer's `explore`). The caller
   * speaks to it through the handle and ends it with `kill` (or a message it obeys).
   */
  session(message: ToWorker): WorkerHandle {
    const worker = this.start(this.threads());
    worker.send(message);
    return worker;
  }

  /** Asks a short-lived worker (with the backend's own thread default) which backend it would load. */
  async probeBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
    const worker = this.start();
    return new Promise((resolve, reject) => {
      let settled = false;
      worker.onMessage((m) => {
        if (m.type === 'probed') {
          settled = true;
          resolve(m.backend);
        } else if (m.type === 'probeFailed') {
          settled = true;
          reject(new Error(m.error));
        }
      });
      worker.onExit((description) => {
        if (!settled) reject(new Error(description));
      });
      worker.send({ type: 'probe', preference });
    });
  }

  /** Kills every light worker; no new one starts. */
  close(): void {
    this.#closed = true;
    for (const worker of this.#workers) worker.kill();
    this.#workers.clear();
  }
}
