/**
 * Entry point of a worker process (a Node fork under the headless host, an Electron utilityProcess under the app,
 * or the process a Slurm task starts). It owns tfjs; the studio process owns the database.
 */
import { handle, workerHandlers } from './handlers';
import { processPort } from './port';

const port = processPort();
const handlers = workerHandlers(port);
port.onMessage((msg) => handle(handlers, msg));
