import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { familyModules } from '../../families/family-modules';
import { packagePath } from '../package-root';
import { describeExit, workerEnv, type FromWorker, type WorkerHandle, type WorkerLauncher } from './protocol';
import { forwardWorkerStderr } from './worker-stderr';

/**
 * A built worker that forks run instead of the TypeScript one, when set and no plug-in family is named: the tests
 * build one per run (tests/bundles.ts), as a process of it starts in a third of the CPU time tsx takes (0.8 s
 * against 2 s on two cores), and the test suites start hundreds.
 */
export const workerBundleVariable = 'LATENT_STUDIO_WORKER_BUNDLE';

/**
 * Training workers as forked Node processes: the TypeScript entry through tsx, or `bundle`, a built worker (electron-vite's
 * out/main/worker.js, the script Electron's utilityProcess starts) run by Node as it is. Without `bundle`, the one
 * LATENT_STUDIO_WORKER_BUNDLE names, unless LATENT_STUDIO_FAMILY_MODULES names plug-in families: those register
 * themselves in the studio's own modules (src/families/models.ts), which a bundle holds a copy of, so they need the
 * TypeScript worker.
 */
export function forkLauncher(options: { bundle?: string } = {}): WorkerLauncher {
  return (launch): WorkerHandle => {
    const env = workerEnv(launch);
    const bundle = options.bundle ?? (familyModules(env).length === 0 ? env[workerBundleVariable] || undefined : undefined);
    const child = fork(bundle ?? packagePath('src', 'core', 'worker', 'main.ts'), [], {
      env,
      execArgv: bundle ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
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
