import WebSocket from 'ws';
import { finishedStatuses, type Api, type CommandName, type Envelope, type StudioEvent } from '../shared/api';
import { createClient } from '../shared/client';
import type { RemoteTarget } from '../shared/remote-target';
import { ApiError } from '../core/errors';
import { checkedApi } from '../core/dispatch';
import type { OutFolderOptions } from '../core/out-folder';
import type { Studio } from '../core/studio';

type ExportResult = { outDir: string; epoch: number; files: string[] };
type LatentsResult = ExportResult & { count: number; dim: number };

/**
 * What the CLI's commands need from a studio, whether it is opened here on a database (`Studio`) or
 * reached over HTTP (`--remote`): each command has one code path over this.
 */
export interface CliStudio {
  /** The contract's commands: the core's own functions, or POST /api/<command> on the host. */
  readonly api: Api;
  readonly events: { on(listener: (event: StudioEvent) => void): () => void };
  /** The host's address for a remote studio (without the token); undefined for one opened here. */
  readonly remote: string | undefined;
  /** Settles when the run has ended (completed, failed, cancelled, interrupted) and is stored. */
  whenRunEnded(runId: number): Promise<void>;
  /** Settles when the evaluation has ended and its figures are stored. */
  whenEvaluationEnded(evaluationId: number, runId: number): Promise<void>;
  /** Settles when the sweep has made every run it plans (or was cancelled) and each has ended. */
  whenSweepEnded(sweepId: number): Promise<void>;
  cancelRun(runId: number): void;
  /** Ctrl-C during `evaluate`: here the evaluation is cancelled (its worker killed); a host's keeps going. */
  stopEvaluation(evaluationId: number): void;
  /** A model export: into `outDir` here, into the host's own exports folder (on its machine) for a remote studio. */
  exportRun(runId: number, outDir: string | undefined, options?: OutFolderOptions): Promise<ExportResult>;
  /** The test codes, labels and factors as NPY and CSV, written like `exportRun`. */
  exportLatents(
    runId: number,
    outDir: string | undefined,
    epoch: number | undefined,
    options?: OutFolderOptions,
  ): Promise<LatentsResult>;
  close(): Promise<void>;
}

/** Whether a sweep is over: a bayes sweep proposes later runs as earlier ones end, so all it plans must be made. */
async function sweepEnded(api: Api, sweepId: number): Promise<boolean> {
  const detail = await api['sweeps.get']({ sweepId });
  const made = detail.runs.length >= detail.planned || detail.state === 'cancelled';
  return made && detail.runs.every((r) => finishedStatuses.includes(r.status));
}

/** What may end a sweep: one of its runs ending, or the sweep changing (cancelled, a proposal made). */
const endsSweepRun = (e: StudioEvent) =>
  (e.name === 'run.status' && finishedStatuses.includes(e.payload.status)) || e.name === 'sweep.changed';

/** A studio on a local database, as the CLI opened it before `--remote` existed. */
export function localCliStudio(studio: Studio): CliStudio {
  const here = (outDir: string | undefined) => {
    if (outDir === undefined) throw new Error('a local export needs a folder');
    return outDir;
  };
  return {
    // Checked as the host checks a request: what the contract refuses never reaches the core.
    api: checkedApi(studio.api),
    events: studio.events,
    remote: undefined,
    whenRunEnded: (runId) => studio.orchestrator.whenEnded(runId),
    whenEvaluationEnded: (evaluationId) => studio.evaluations.whenEnded(evaluationId),
    whenSweepEnded: (sweepId) =>
      new Promise<void>((resolve, reject) => {
        let asking = false;
        const end = (error?: unknown) => {
          clearInterval(timer);
          off();
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error(`waiting for sweep ${sweepId} failed`));
        };
        // Ended, and each run's worker or Slurm task over too: a task's run completes (its `done`) a moment before
        // its exit records Slurm's final state, which the command must not close the studio before.
        const runsOver = async () => {
          const { runs } = await studio.api['sweeps.get']({ sweepId });
          await Promise.all(runs.flatMap((r) => (r.runId === null ? [] : [studio.orchestrator.whenEnded(r.runId)])));
        };
        const check = () => {
          if (asking) return;
          asking = true;
          sweepEnded(studio.api, sweepId).then(
            (yes) => {
              asking = false;
              if (yes) runsOver().then(() => end(), end);
            },
            (e: unknown) => end(e),
          );
        };
        const timer = setInterval(check, 2000);
        const off = studio.events.on((e) => {
          if (endsSweepRun(e)) check();
        });
        check();
      }),
    cancelRun: (runId) => void studio.orchestrator.cancel(runId),
    stopEvaluation: (evaluationId) => void studio.orchestrator.jobs.cancel(evaluationId),
    exportRun: (runId, outDir, options) => studio.exportRun(runId, here(outDir), options),
    exportLatents: (runId, outDir, epoch, options) => studio.exportLatents(runId, here(outDir), epoch, options),
    close: () => studio.close(),
  };
}

/** The host could not be reached, refused the token, or answered something that is not a studio's answer. */
export class RemoteError extends Error {
  constructor(
    message: string,
    /** The host answered 401: the token is wrong (or missing). */
    readonly unauthorized = false,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export interface RemoteOptions {
  /** How often a wait asks the host whether a run or an evaluation has ended, besides listening to events. */
  pollMs?: number;
  /** Said once when the host stops answering during a wait (it is asked again until it answers). */
  warn?: (message: string) => void;
}

function describeNetworkError(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

const unreachableHint = 'is latent-studio serve running there, and the SSH tunnel open?';

/**
 * A client of a headless host (`latent-studio serve`): the API over POST /api/<command> with the token as a
 * Bearer header, events over the WebSocket at /events (reconnecting), and waits that listen to the events and
 * also ask the host every few seconds (events sent while the socket was down are lost).
 * It checks the token and opens the event stream before it returns, so a refusal comes first and no event of a
 * run it starts is missed.
 */
export async function openRemote(target: RemoteTarget, options: RemoteOptions = {}): Promise<CliStudio> {
  const { base, token } = target;
  const pollMs = options.pollMs ?? 2000;
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const authorization = `Bearer ${token}`;
  const refusedToken = (status: number) =>
    new RemoteError(
      `the studio at ${base} refused the token (HTTP ${status}): use the token it printed at launch ` +
        `(the part after ?token=), in LATENT_STUDIO_TOKEN or a --token-file`,
      true,
    );

  /** One call as an envelope; what is not a studio's answer (no host, a refused token, a foreign host) throws here. */
  async function invoke(name: CommandName, input: unknown, signal?: AbortSignal): Promise<Envelope<unknown>> {
    let res: Response;
    try {
      res = await fetch(`${base}/api/${name}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      throw new RemoteError(`cannot reach the studio at ${base} (${describeNetworkError(e)}): ${unreachableHint}`);
    }
    if (res.status === 401) throw refusedToken(401);
    let envelope: Envelope<unknown>;
    try {
      envelope = (await res.json()) as Envelope<unknown>;
    } catch {
      throw new RemoteError(`${base} answered ${name} with HTTP ${res.status} and no studio answer: is it a Latent Studio host?`);
    }
    if (res.status === 403) {
      throw new RemoteError(
        `the studio at ${base} refused the request (403: ${envelope.ok ? '' : envelope.error.message}); ` +
          `reached through a tunnel on another port, it needs --allowed-host 127.0.0.1:PORT (or the same port at both ends)`,
      );
    }
    return envelope;
  }

  // The token and the address first: one small call, so a refusal is the first thing said.
  const first = await invoke('scheduler.get', {}, AbortSignal.timeout(30_000));
  if (!first.ok) throw new ApiError(first.error.code, first.error.message, first.error.issues);

  const listeners = new Set<(e: StudioEvent) => void>();
  const reconnected = new Set<() => void>();
  // The one client of the contract (the renderer's too), over this Node transport; refusals stay the core's ApiError.
  const { api } = createClient(
    {
      kind: 'headless',
      invoke: (name, input) => invoke(name, input),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      onReconnect: (listener) => {
        reconnected.add(listener);
        return () => reconnected.delete(listener);
      },
      artifactUrl: (artifactId) => `${base}/artifacts/${artifactId}`,
    },
    { refusal: (body) => new ApiError(body.code, body.message, body.issues) },
  );
  let closed = false;
  let socket: WebSocket | undefined;
  /** The waits' polls and a pending reconnect: cleared by close(), so that nothing keeps the process alive. */
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let retry = 250;
  const wsBase = base.replace(/^http/, 'ws');

  const connect = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsBase}/events`, { headers: { authorization } });
      socket = ws;
      let opened = false;
      ws.on('open', () => {
        opened = true;
        retry = 250;
        resolve();
      });
      ws.on('unexpected-response', (_req, res) => {
        reject(
          res.statusCode === 401
            ? refusedToken(401)
            : new RemoteError(`${base}/events refused the event stream (HTTP ${res.statusCode})`),
        );
        ws.terminate();
      });
      ws.on('message', (data: Buffer) => {
        let event: StudioEvent;
        try {
          event = JSON.parse(data.toString('utf8')) as StudioEvent;
        } catch {
          return;
        }
        for (const l of listeners) l(event);
      });
      ws.on('error', (e) => {
        if (!opened)
          reject(new RemoteError(`cannot open the event stream of ${base} (${describeNetworkError(e)}): ${unreachableHint}`));
      });
      ws.on('close', () => {
        if (closed) return;
        if (!opened) return; // the first connect rejects; a reconnect that failed is retried by its own timer
        scheduleReconnect();
      });
    });

  const scheduleReconnect = () => {
    if (closed) return;
    const wait = retry;
    retry = Math.min(retry * 2, 5000);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      connect().then(
        () => {
          for (const l of reconnected) l();
        },
        () => scheduleReconnect(),
      );
    }, wait);
    timers.add(timer);
  };

  await connect();

  /**
   * Settles when `ended()` says so: asked now, on every event `relevant` picks, after each reconnect and every
   * `pollMs`. A host that stops answering is warned about once and asked again; a refusal of the request rejects.
   */
  const waitUntil = (ended: () => Promise<boolean>, relevant: (e: StudioEvent) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      let done = false;
      let warned = false;
      let asking = false;
      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        timers.delete(timer);
        listeners.delete(onEvent);
        reconnected.delete(check);
        if (error === undefined) resolve();
        else reject(error instanceof Error ? error : new Error(`waiting for ${what} failed`));
      };
      const check = () => {
        if (done || asking || closed) return;
        asking = true;
        ended().then(
          (yes) => {
            asking = false;
            warned = false;
            if (yes) finish();
          },
          (e: unknown) => {
            asking = false;
            if (e instanceof RemoteError && !e.unauthorized) {
              if (!warned) warn(`${e.message}; asking again every ${Math.round(pollMs / 1000)} s for ${what}`);
              warned = true;
            } else finish(e);
          },
        );
      };
      const onEvent = (e: StudioEvent) => {
        if (relevant(e)) check();
      };
      const timer = setInterval(check, pollMs);
      timers.add(timer);
      listeners.add(onEvent);
      reconnected.add(check);
      check();
    });

  return {
    api,
    events: {
      on(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    remote: base,
    whenRunEnded: (runId) =>
      waitUntil(
        async () => finishedStatuses.includes((await api['runs.get']({ runId })).status),
        (e) => e.name === 'run.status' && e.payload.runId === runId && finishedStatuses.includes(e.payload.status),
        `the end of run ${runId}`,
      ),
    whenEvaluationEnded: (evaluationId, runId) =>
      waitUntil(
        async () => {
          const evaluation = (await api['evaluations.list']({ runId })).find((x) => x.id === evaluationId);
          return evaluation === undefined || ['completed', 'failed', 'cancelled'].includes(evaluation.status);
        },
        (e) => e.name === 'evaluation.status' && e.payload.evaluationId === evaluationId,
        `the end of evaluation ${evaluationId}`,
      ),
    whenSweepEnded: (sweepId) => waitUntil(() => sweepEnded(api, sweepId), endsSweepRun, `the end of sweep ${sweepId}`),
    cancelRun: (runId) => void api['runs.cancel']({ runId }).catch(() => undefined),
    stopEvaluation: () => undefined,
    exportRun: (runId) => api['runs.export']({ runId }),
    exportLatents: (runId, _outDir, epoch) => api['runs.exportLatents']({ runId, ...(epoch !== undefined ? { epoch } : {}) }),
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      listeners.clear();
      reconnected.clear();
      socket?.terminate();
    },
  };
}
