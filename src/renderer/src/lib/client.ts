import type { ApiErrorBody, CommandInput, CommandName, CommandOutput, Envelope, StudioEvent } from '../../../shared/api';

/** How the renderer reaches the core: Electron's preload bridge or the headless host. It never knows which. */
export interface Transport {
  kind: 'electron' | 'headless';
  invoke(name: CommandName, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /** Called after the event stream reconnects, so views can reload what they missed. */
  onReconnect(listener: () => void): void;
}

export interface PreloadBridge {
  invoke(name: string, input: unknown): Promise<Envelope<unknown>>;
  on(listener: (event: StudioEvent) => void): () => void;
}

declare global {
  interface Window {
    latentStudio?: PreloadBridge;
  }
}

export class ClientError extends Error {
  readonly code: string;
  readonly issues: { path: string; message: string }[];
  constructor(body: ApiErrorBody | { code: string; message: string; issues?: { path: string; message: string }[] }) {
    super(body.message);
    this.code = body.code;
    this.issues = body.issues ?? [];
  }
}

function ipcTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'electron',
    invoke: (name, input) => bridge.invoke(name, input),
    subscribe: (l) => bridge.on(l),
    onReconnect: () => undefined,
  };
}

/** The headless host turned the launch URL's token into an HttpOnly cookie, which same-origin requests carry. */
function httpTransport(): Transport {
  const listeners = new Set<(e: StudioEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  let retry = 500;
  let opened = false;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${proto}://${location.host}/events`);
    socket.onopen = () => {
      retry = 500;
      if (opened) for (const l of reconnectListeners) l();
      opened = true;
    };
    socket.onmessage = (m) => {
      const event = JSON.parse(String(m.data)) as StudioEvent;
      for (const l of listeners) l(event);
    };
    socket.onclose = () => {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  };
  connect();
  return {
    kind: 'headless',
    async invoke(name, input) {
      const res = await fetch(`/api/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      return (await res.json()) as Envelope<unknown>;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReconnect: (l) => reconnectListeners.add(l),
  };
}

export function detectTransport(): Transport {
  return window.latentStudio ? ipcTransport(window.latentStudio) : httpTransport();
}

export interface Client {
  readonly kind: Transport['kind'];
  call<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>>;
  on(listener: (event: StudioEvent) => void): () => void;
  onReconnect(listener: () => void): void;
}

export function createClient(transport: Transport): Client {
  return {
    kind: transport.kind,
    async call(name, input) {
      const envelope = await transport.invoke(name, input);
      if (!envelope.ok) throw new ClientError(envelope.error);
      return envelope.value as never;
    },
    on: (listener) => transport.subscribe(listener),
    onReconnect: (listener) => transport.onReconnect(listener),
  };
}
