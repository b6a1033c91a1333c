// A stand-in for the `electron` module, for running the app's main bundle (out/main/index.js) under Node where the
// Electron binary cannot be installed. It records what the main process registers (IPC handlers, protocol handlers,
// windows and the files they load) on globalThis.electronStub, for the driver (main.mjs) to exercise.
const recorded = {
  ipc: new Map(),
  protocols: new Map(),
  privileged: [],
  loaded: [],
  windows: 0,
  quit: false,
  /** app.on's handlers by event name. */
  handlers: new Map(),
};
globalThis.electronStub = recorded;

/** An object on which every method exists and does nothing (returning the object again), except `then`. */
function inert() {
  const target = function () {};
  const proxy = new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : proxy),
    apply: () => proxy,
    construct: () => proxy,
  });
  return proxy;
}

export const app = {
  whenReady: () => Promise.resolve(),
  on: (name, fn) => {
    recorded.handlers.set(name, [...(recorded.handlers.get(name) ?? []), fn]);
    return app;
  },
  /** As Electron's: 'before-quit' first, and no quit where a handler prevents it. */
  quit: () => {
    let prevented = false;
    for (const fn of recorded.handlers.get('before-quit') ?? []) fn({ preventDefault: () => (prevented = true) });
    if (!prevented) recorded.quit = true;
  },
  exit: (code) => process.exit(code),
  // userData: a folder of the test's choosing (STUB_USER_DATA), else one that does not exist.
  getPath: () => process.env.STUB_USER_DATA ?? '/nonexistent-electron-user-data',
};
export const ipcMain = { handle: (channel, fn) => void recorded.ipc.set(channel, fn) };
export const protocol = {
  registerSchemesAsPrivileged: (schemes) => void recorded.privileged.push(...schemes),
  handle: (scheme, fn) => void recorded.protocols.set(scheme, fn),
};
export const session = { defaultSession: inert() };
export const dialog = { showErrorBox: (title, message) => console.error(`${title}: ${message}`) };
export const utilityProcess = { fork: () => inert() };
export class BrowserWindow {
  static getAllWindows = () => [];
  constructor() {
    recorded.windows++;
    this.webContents = inert();
  }
  on() {}
  once() {}
  show() {}
  isDestroyed() {
    return false;
  }
  loadURL(url) {
    recorded.loaded.push(url);
    return Promise.resolve();
  }
  loadFile(file) {
    recorded.loaded.push(file);
    return Promise.resolve();
  }
}
export default { app, ipcMain, protocol, session, dialog, utilityProcess, BrowserWindow };
