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
    return {
      pid: child.pid,
      send: (m) => child.send(m),
      onMessage: (fn) => child.on('message', (m) => fn(m as FromWorker)),
      // 'close', not 'exit': it follows the IPC channel's end, so every message the worker wrote was delivered first.
      onExit: (fn) => child.once('close', (code, signal) => fn(describeExit(code, signal), code === 0)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}
