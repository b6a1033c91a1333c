/**
 * The worker's explorer session: `explore` rebuilds the run's model once and keeps the worker alive; `decode` and
 * `encode` are calls answered by id until `close`. A bad call fails alone; a session that cannot start fails as a
 * job does.
 */
import { explainFailure } from '../../ml/backend';
import { describeExplorer, decodeRows, encodeTest, type ExplorerModel } from '../explorer/worker-session';
import type { FromWorker, ToWorker } from '../training/protocol';
import { rebuildAt } from './evaluate';
import type { WorkerPort } from './port';

type Session = ExplorerModel & { latentSize: number };
type Msg<K extends ToWorker['type']> = Extract<ToWorker, { type: K }>;

export class ExplorerSession {
  /** The session's model, once `explore` has rebuilt it. */
  private session: Promise<Session> | undefined;

  constructor(private readonly port: WorkerPort) {}

  start(msg: Msg<'explore'>): void {
    this.session = rebuildAt(msg).then(async ({ model, dataset }) => {
      const info = await describeExplorer({ model, dataset, family: msg.config.family });
      this.port.post({ type: 'explorerReady', explorer: info });
      return { model, dataset, family: msg.config.family, latentSize: info.latentSize };
    });
    this.session.catch((e: unknown) => {
      this.port.post({ type: 'failed', error: explainFailure(e instanceof Error ? e.message : String(e)) });
      this.port.finish(1);
    });
  }

  decode(msg: Msg<'decode'>): void {
    this.call(msg.id, async (session) => {
      const images = await decodeRows(session, session.latentSize, msg.z, msg.labels);
      const { height, width, channels } = session.dataset;
      return { type: 'decoded', id: msg.id, images, rows: msg.z.length, width, height, channels };
    });
  }

  encode(msg: Msg<'encode'>): void {
    this.call(msg.id, async (session) => ({ type: 'encoded', id: msg.id, ...(await encodeTest(session, msg.indices)) }));
  }

  /** One call: its answer, or its failure with its id (the session goes on). */
  private call(id: number, answer: (session: Session) => Promise<FromWorker>): void {
    if (!this.session) return this.port.post({ type: 'callFailed', id, error: 'this worker holds no explorer session' });
    this.session.then(
      async (session) => {
        let message: FromWorker;
        try {
          message = await answer(session);
        } catch (e) {
          message = { type: 'callFailed', id, error: e instanceof Error ? e.message : String(e) };
        }
        this.port.post(message);
      },
      () => undefined,
    );
  }
}
