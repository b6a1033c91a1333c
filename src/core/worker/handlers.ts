/**
 * One handler per kind of request a worker answers. Every kind but the explorer's is one request, one answer,
 * then the worker leaves; the explorer session (`explore`, then calls until `close`) keeps it alive.
 */
import { selectBackend } from '../../ml/backend';
import { sampleRun, trainPrior } from '../prior/worker';
import type { ToWorker } from '../training/protocol';
import { runEvaluation, runLatents } from './evaluate';
import { ExplorerSession } from './explore';
import { runExport } from './export';
import { reply, type WorkerPort } from './port';
import { rungDecisions, runTraining } from './train';

export type WorkerHandlers = { [K in ToWorker['type']]: (msg: Extract<ToWorker, { type: K }>) => void };

export function workerHandlers(port: WorkerPort): WorkerHandlers {
  const explorer = new ExplorerSession(port);
  return {
    train: (msg) =>
      reply(
        port,
        runTraining(msg, (m) => port.post(m)).then((ending) => ({ type: 'done', ...ending })),
      ),
    rungDecision: (msg) => rungDecisions.deliver(msg.epoch, msg.stop),
    export: (msg) =>
      reply(
        port,
        runExport(msg).then(({ files, contents }) => ({ type: 'exported', files, contents })),
      ),
    evaluate: (msg) =>
      reply(
        port,
        runEvaluation(msg, (m) => port.post(m)),
      ),
    latents: (msg) => reply(port, runLatents(msg)),
    prior: (msg) =>
      reply(
        port,
        trainPrior(msg, (m) => port.post(m)),
      ),
    sample: (msg) => reply(port, sampleRun(msg)),
    probe: (msg) =>
      reply(
        port,
        selectBackend(msg.preference, [], { threads: true }).then((backend) => ({ type: 'probed', backend })),
        (error) => ({ type: 'probeFailed', error }),
      ),
    explore: (msg) => explorer.start(msg),
    decode: (msg) => explorer.decode(msg),
    encode: (msg) => explorer.encode(msg),
    close: () => port.finish(0),
  };
}

/** Routes one request to its kind's handler. */
export function handle(handlers: WorkerHandlers, msg: ToWorker): void {
  (handlers[msg.type] as (m: ToWorker) => void)(msg);
}
