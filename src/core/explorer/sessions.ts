/**
 * The studio side of the explorer: sessions, each a long-lived worker holding one run's model rebuilt at a
 * checkpoint, answering decode and encode calls as the sliders move. A session ends when it is closed, after a few
 * idle minutes, when more sessions than the cap are opened (the least recently used goes), or when the studio
 * closes; a worker that dies fails the session's pending and later calls with how it died.
 */
import { randomUUID } from 'node:crypto';
import { familySpec } from '../../families/specs';
import { explorerOf } from '../../families/family-spec';
import type { ExplorerDecodeRequest, ExplorerDecoded, ExplorerEncoded, ExplorerInfo } from '../../shared/explorer';
import { ApiError } from '../errors';
import { checkpointFor } from '../evaluation/jobs';
import type { Db } from '../store/db';
import { getRun } from '../store/runs';
import { imagePng } from '../training/images';
import type { Orchestrator } from '../training/orchestrator';
import type { DatasetLocations, ExplorerModelInfo, FromWorker, WorkerHandle } from '../training/protocol';

export interface ExplorerOptions {
  db: Db;
  orchestrator: Orchestrator;
  locations: DatasetLocations;
  /** A session unused this long closes (default 5 minutes). */
  idleMs?: number;
  /** Sessions open at once; opening one more closes the least recently used (default 4). */
  maxSessions?: number;
}

/** How many ended sessions are remembered, so that a call to one says why it ended. */
const rememberedEnds = 200;

function refuse(code: 'bad_request' | 'conflict' | 'not_found', path: string, message: string): never {
  throw new ApiError(code, `${path}: ${message}`, [{ path, message }]);
}

type Answer = Extract<FromWorker, { type: 'decoded' | 'encoded' }>;
type Call = { type: 'decode'; z: number[][]; labels?: number[] } | { type: 'encode'; split: 'test'; indices: number[] };

/** One session: its worker, its calls waiting for an answer, and why it ended once it has. */
class Session {
  readonly #pending = new Map<number, { resolve: (m: Answer) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;
  ended: string | null = null;
  lastUsed = Date.now();
  /** What `explorer.open` answered, once the worker holds the model. */
  info: ExplorerInfo | undefined;
  readonly ready: Promise<ExplorerModelInfo>;
  #notReady: (e: Error) => void = () => undefined;
  /** Ended by the studio (closed, made room for another, its run deleted), not by its worker failing. */
  closedOnPurpose = false;

  constructor(
    readonly id: string,
    readonly runId: number,
    readonly worker: WorkerHandle,
    private readonly idleMs: number,
    private readonly onEnd: (session: Session, reason: string) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.#notReady = reject;
      worker.onMessage((m) => {
        switch (m.type) {
          case 'explorerReady':
            // Idle from now on: the time to start is not idleness.
            this.touch();
            return resolve(m.explorer);
          case 'failed':
            reject(new Error(m.error));
            return this.end(`its worker failed: ${m.error}`);
          case 'decoded':
          case 'encoded': {
            const call = this.#pending.get(m.id);
            this.#pending.delete(m.id);
            return call?.resolve(m);
          }
          case 'callFailed': {
            const call = this.#pending.get(m.id);
            this.#pending.delete(m.id);
            return call?.reject(new Error(m.error));
          }
          default:
            return;
        }
      });
      worker.onExit((description) => {
        const reason = `its worker ended: ${description.replace('the training worker', 'the explorer’s worker')}`;
        reject(new Error(reason));
        this.end(reason);
      });
    });
  }

  /** Keeps an active session open; one idle for `idleMs` closes. */
  touch(): void {
    this.lastUsed = Date.now();
    clearTimeout(this.#idle);
    const idle = this.idleMs >= 60_000 ? `${Math.round(this.idleMs / 60_000)} min` : `${(this.idleMs / 1000).toFixed(1)} s`;
    this.#idle = setTimeout(() => this.close(`it was idle for ${idle}`), this.idleMs);
    this.#idle.unref();
  }

  /** A call's answer from the worker; refused at once once the session has ended. */
  call(message: Call): Promise<Answer> {
    if (this.ended) return Promise.reject(this.endedError());
    this.touch();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.worker.send({ ...message, id });
    });
  }

  endedError(): ApiError {
    return new ApiError(
      'conflict',
      `explorer session ${this.id} (run ${this.runId}) has ended: ${this.ended ?? 'closed'}. Open the run in the explorer again.`,
    );
  }

  /** Marks the session over and fails what still waits on it. */
  private end(reason: string): void {
    if (this.ended) return;
    this.ended = reason;
    clearTimeout(this.#idle);
    const error = this.endedError();
    // A session ended while it started: its opener hears why (a promise settles once: after the model, a no-op).
    this.#notReady(error);
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
    this.onEnd(this, reason);
  }

  /** Asks the worker to leave, and kills it if it has not within a moment. */
  close(reason: string): void {
    if (this.ended) return;
    this.closedOnPurpose = true;
    this.end(reason);
    try {
      this.worker.send({ type: 'close' });
    } catch {
      // Already gone.
    }
    setTimeout(() => this.worker.kill(), 2000).unref();
  }

  kill(reason: string, onPurpose = false): void {
    if (onPurpose && !this.ended) this.closedOnPurpose = true;
    this.end(reason);
    this.worker.kill();
  }
}

export class ExplorerSessions {
  readonly #open = new Map<string, Session>();
  /** Why recently ended sessions ended, by id. */
  readonly #ended = new Map<string, Session>();
  #closed = false;

  constructor(private readonly o: ExplorerOptions) {}

  /** Starts a session on a run's checkpoint and answers once its worker holds the model. */
  async open(request: { runId: number; epoch?: number | undefined }): Promise<ExplorerInfo> {
    if (this.#closed) throw new ApiError('conflict', 'the studio is closing');
    const run = getRun(this.o.db, request.runId);
    if (!run) return refuse('not_found', 'runId', `run ${request.runId} does not exist`);
    const spec = familySpec(run.config.family);
    const explorer = spec ? explorerOf(spec) : null;
    if (!explorer) {
      refuse(
        'bad_request',
        'runId',
        // As the run's page says it.
        !spec
          ? `run ${run.id} cannot be explored: no model family named ${run.config.family} is registered in this studio`
          : `run ${run.id} cannot be explored: a ${spec.label} code is not one vector per image` +
              (spec.sampling === 'learned-prior' ? '; its learned prior, on the run page, samples codes' : ''),
      );
    }
    const checkpoint = checkpointFor(this.o.db, run.id, request.epoch);
    // Room for one more: the least recently used session goes; one still starting only when no other is left.
    const cap = this.o.maxSessions ?? 4;
    const byUse = [...this.#open.values()].sort(
      (a, b) => Number(a.info === undefined) - Number(b.info === undefined) || a.lastUsed - b.lastUsed,
    );
    for (const s of byUse.slice(0, Math.max(0, byUse.length - cap + 1))) {
      s.close(`more than ${cap} explorer sessions were opened; it was the least recently used`);
    }
    const worker = this.o.orchestrator.light.session({
      type: 'explore',
      config: run.config,
      checkpoint,
      datasets: this.o.locations,
    });
    const session = new Session(randomUUID(), run.id, worker, this.o.idleMs ?? 5 * 60_000, (s) => {
      this.#open.delete(s.id);
      this.#ended.set(s.id, s);
      if (this.#ended.size > rememberedEnds) this.#ended.delete(this.#ended.keys().next().value as string);
    });
    this.#open.set(session.id, session);
    let info: ExplorerModelInfo;
    try {
      info = await session.ready;
    } catch (e) {
      if (session.closedOnPurpose) throw session.endedError();
      session.kill('it failed to start');
      throw new ApiError(
        'internal',
        `run ${run.id} could not be opened in the explorer: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const { labelNames, ...shape } = info;
    session.info = {
      sessionId: session.id,
      runId: run.id,
      epoch: checkpoint.epoch,
      family: run.config.family,
      ...shape,
      // The deepfake's label chooses a decoder: to the UI it is not a class.
      conditional: info.conditional && explorer.decoders.length === 1,
      labelNames,
      decoders: explorer.decoders,
      codeRange: spec?.codeRange?.(run.config.model) ?? null,
    };
    return session.info;
  }

  /** The open session, or a refusal: `not_found` for an id never opened, `conflict` saying why one ended. */
  private require(sessionId: string): Session {
    const open = this.#open.get(sessionId);
    if (open) return open;
    const ended = this.#ended.get(sessionId);
    if (ended) throw ended.endedError();
    return refuse('not_found', 'sessionId', `no explorer session ${sessionId} (it was never opened here)`);
  }

  /** The labels a decode sends its worker: the classes (CVAE) or the decoders (deepfake) of each row, checked. */
  private labelsFor(session: Session, info: ExplorerInfo, request: ExplorerDecodeRequest): number[] | undefined {
    const rows = request.z.length;
    const perRow = <T>(value: T | T[] | undefined, path: string): T[] | undefined => {
      if (value === undefined) return undefined;
      const list = Array.isArray(value) ? value : [value];
      if (list.length !== 1 && list.length !== rows) {
        refuse('bad_request', path, `give one for every row of z (${rows}) or one for all rows, not ${list.length}`);
      }
      return list.length === rows ? list : Array.from({ length: rows }, () => list[0] as T);
    };
    if (info.decoders.length > 1) {
      if (request.labels) refuse('bad_request', 'labels', `run ${session.runId} has no classes to choose: choose a decoder`);
      const names = perRow(request.decoder, 'decoder');
      if (!names) return refuse('bad_request', 'decoder', `choose one of ${info.decoders.join(', ')}`);
      return names.map((name, i) => {
        const at = info.decoders.indexOf(name);
        if (at < 0)
          refuse(
            'bad_request',
            Array.isArray(request.decoder) ? `decoder[${i}]` : 'decoder',
            `${name} is not one of ${info.decoders.join(', ')}`,
          );
        return at;
      });
    }
    const names = perRow(request.decoder, 'decoder');
    names?.forEach((name, i) => {
      if (name !== 'default')
        refuse(
          'bad_request',
          Array.isArray(request.decoder) ? `decoder[${i}]` : 'decoder',
          `run ${session.runId} has one decoder, default`,
        );
    });
    if (!info.conditional) {
      if (request.labels) refuse('bad_request', 'labels', `run ${session.runId}'s model is not conditional: it takes no labels`);
      return undefined;
    }
    const labels = perRow(request.labels, 'labels');
    if (!labels)
      return refuse('bad_request', 'labels', `run ${session.runId}'s model is conditional: give a class (0–${info.classes - 1})`);
    labels.forEach((l, i) => {
      if (l >= info.classes)
        refuse(
          'bad_request',
          request.labels?.length === rows ? `labels[${i}]` : 'labels',
          `${l} is not a class of this run (0–${info.classes - 1})`,
        );
    });
    return labels;
  }

  async decode(request: ExplorerDecodeRequest): Promise<ExplorerDecoded> {
    const session = this.require(request.sessionId);
    const info = this.infoOf(session);
    request.z.forEach((row, i) => {
      if (row.length !== info.latentSize) {
        refuse('bad_request', `z[${i}]`, `expected ${info.latentSize} numbers, got ${row.length}`);
      }
    });
    const labels = this.labelsFor(session, info, request);
    const answer = await session.call({ type: 'decode', z: request.z, ...(labels ? { labels } : {}) });
    if (answer.type !== 'decoded') throw new Error(`the explorer's worker answered ${answer.type} to a decode`);
    const { width, height, channels, images } = answer;
    const size = width * height * channels;
    const rows = Array.from({ length: request.z.length }, (_, i) => images.subarray(i * size, (i + 1) * size));
    const pngs = request.png === false ? [] : await Promise.all(rows.map((r) => imagePng(r, height, width, channels)));
    return {
      width,
      height,
      channels,
      images: pngs.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64')),
      pixels: rows.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('base64')),
    };
  }

  async encode(request: { sessionId: string; indices: number[] }): Promise<ExplorerEncoded> {
    const session = this.require(request.sessionId);
    const info = this.infoOf(session);
    request.indices.forEach((index, i) => {
      if (index >= info.testCount) {
        refuse(
          'bad_request',
          `indices[${i}]`,
          `${index} is past the run's ${info.testCount} test images (0–${info.testCount - 1})`,
        );
      }
    });
    const answer = await session.call({ type: 'encode', split: 'test', indices: request.indices });
    if (answer.type !== 'encoded') throw new Error(`the explorer's worker answered ${answer.type} to an encode`);
    const { codes, dim, labels, images } = answer;
    const size = info.width * info.height * info.channels;
    const pngs = await Promise.all(
      request.indices.map((_, i) => imagePng(images.subarray(i * size, (i + 1) * size), info.height, info.width, info.channels)),
    );
    return {
      dim,
      codes: request.indices.map((_, i) => Array.from(codes.subarray(i * dim, (i + 1) * dim))),
      labels,
      images: pngs.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64')),
    };
  }

  close(sessionId: string): { closed: boolean } {
    const session = this.#open.get(sessionId);
    if (!session) {
      if (this.#ended.has(sessionId)) return { closed: false };
      return refuse('not_found', 'sessionId', `no explorer session ${sessionId} (it was never opened here)`);
    }
    session.close('it was closed');
    return { closed: true };
  }

  /** Closes a run's sessions (the run is deleted: its id may name another run later). */
  closeRun(runId: number, reason: string): void {
    for (const s of [...this.#open.values()]) if (s.runId === runId) s.close(reason);
  }

  /** The worker's pid of an open session (tests kill it). */
  pid(sessionId: string): number | undefined {
    return this.#open.get(sessionId)?.worker.pid;
  }

  /** Sessions open now. */
  get openCount(): number {
    return this.#open.size;
  }

  /** Kills every session's worker: the studio is closing. */
  closeAll(): void {
    this.#closed = true;
    for (const s of [...this.#open.values()]) s.kill('the studio closed', true);
  }

  private infoOf(session: Session): ExplorerInfo {
    if (!session.info) throw new ApiError('conflict', `explorer session ${session.id} is still starting`);
    return session.info;
  }
}
