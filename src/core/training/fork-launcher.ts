import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeExit, workerEnv, type FromWorker, type WorkerHandle, type WorkerLauncher } from './protocol';
import { forwardWorkerStderr } from './worker-stderr';

/**
 * Training workers as forked Node processes: the TypeScript entry through tsx, or `bundle`, a built worker (electron-vite's
 * out/main/worker.js, the script Electron's utilityProcess starts) run by Node as it is.
 */
export function forkLauncher(options: { bundle?: string } = {}): WorkerLauncher {
  const entry = options.bundle ?? fileURLToPath(new URL('../worker/main.ts', import.meta.url));
  const execArgv = options.bundle ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  return (launch): WorkerHandle => {
    const child = fork(entry, [], {
      env: workerEnv(launch),
      execArgv,
      serialization: 'advanced',
      // stderr through the filter of Dawn's adapter-probe messages (worker-stderr.ts).
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    forwardWorkerStderr(child.stderr);
    // A process ends once for its listeners: by 'close' ('close', not 'exit': it follows the IPC channel's end, so
    // every message the worker wrote was delivered first), or by an 'error' of a fork that never started (EAGAIN).
    const exitListeners: ((description: string, clean: boolean) => void)[] = [];
    let ended: [string, boolean] | undefined;
    const end = (description: string, clean: boolean) => {
      if (ended) return;
      ended = [description, clean];
      for (const fn of exitListeners) fn(description, clean);
    };
    child.once('close', (code, signal) => end(describeExit(code, signal), code === 0));
    // Without a listener, an 'error' ends the studio: a send to a worker whose channel just closed emits one.
    child.on('error', (err) => {
      if (child.pid === undefined) end(`the worker could not start: ${err.message}`, false);
    });
    return {
      pid: child.pid,
      // A message to a worker that is exiting is lost, as the worker is: its exit reports the end.
      send: (m) => {
        if (child.connected) child.send(m, () => undefined);
      },
      onMessage: (fn) => child.on('message', (m) => fn(m as FromWorker)),
      onExit: (fn) => {
        exitListeners.push(fn);
        if (ended) fn(...ended);
      },
      kill: () => child.kill('SIGKILL'),
    };
  };
}
