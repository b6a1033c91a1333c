/**
 * The worker's end of the protocol: how it posts messages to its studio (a Node fork's IPC channel or an Electron
 * utilityProcess's parent port), receives requests, and leaves once everything it posted is written.
 */
import { explainFailure } from '../../ml/backend';
import type { FromWorker, ToWorker } from '../training/protocol';

/** What a handler may do besides computing: post messages to the studio, and leave with an exit code. */
export interface WorkerPort {
  post(message: FromWorker): void;
  finish(code: number): void;
}

interface ParentPort {
  on(event: 'message', listener: (e: { data: ToWorker }) => void): void;
  postMessage(message: FromWorker): void;
}

/** The port of this process: Electron's parent port when there is one, else the fork's IPC channel. */
export function processPort(): WorkerPort & { onMessage(listener: (m: ToWorker) => void): void } {
  const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  /** Messages handed to the IPC channel and not yet written to it (a forked worker's sends are asynchronous). */
  let unsent = 0;
  /** The exit code to leave with once every message is written; null while the worker has work. */
  let leaving: number | null = null;

  return {
    post(message) {
      if (electronPort) return electronPort.postMessage(message);
      if (!process.send) return;
      unsent++;
      process.send(message, undefined, {}, (error) => {
        // A send to a studio that died (EPIPE) ends the worker quietly: nobody is left to train for.
        if (error) process.exit(3);
        unsent--;
        if (unsent === 0 && leaving !== null) process.exit(leaving);
      });
    },
    /**
     * Leaves once every message posted so far is written to the channel. An exit with sends still queued drops
     * them (a run's last images and its `done` under load, seen as a run "interrupted" with exit code 0).
     */
    finish(code) {
      if (electronPort) {
        // utilityProcess's postMessage has no completion callback; give its queue a moment.
        setTimeout(() => process.exit(code), 50);
        return;
      }
      leaving = code;
      if (unsent === 0) process.exit(code);
    },
    onMessage(listener) {
      if (electronPort) electronPort.on('message', (e) => listener(e.data));
      else {
        process.on('message', (m) => listener(m as ToWorker));
        // A forked worker whose studio died (even by SIGKILL) must not train on for nobody.
        process.on('disconnect', () => process.exit(3));
      }
    },
  };
}

/** One request, one answer: the job's reply (or its failure, as the kind's failure message), then the worker leaves. */
export function reply(
  port: WorkerPort,
  job: Promise<FromWorker>,
  failure: (error: string) => FromWorker = (error) => ({ type: 'failed', error }),
): void {
  job.then(
    (answer) => {
      port.post(answer);
      port.finish(0);
    },
    (e: unknown) => {
      port.post(failure(explainFailure(e instanceof Error ? e.message : String(e))));
      port.finish(1);
    },
  );
}
