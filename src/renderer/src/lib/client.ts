/**
 * The renderer's transports to the one client (src/shared/client.ts): Electron's preload bridge, or the headless
 * host from the page (its token in an HttpOnly cookie). The views never know which.
 */
import type { Envelope, StudioEvent } from '../../../shared/api';
import type { ConnectionState, Transport } from '../../../shared/client';

export { ClientError, createClient, type Client, type ConnectionState, type Transport } from '../../../shared/client';

export interface PreloadBridge {
  invoke(name: string, input: unknown): Promise<Envelope<unknown>>;
  on(listener: (event: StudioEvent) => void): () => void;
}

declare global {
  interface Window {
    latentStudio?: PreloadBridge;
  }
}

function ipcTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'electron',
    invoke: (name, input) => bridge.invoke(name, input),
    subscribe: (l) => bridge.on(l),
    onReconnect: () => () => undefined,
  };
}

/** The headless host turned the launch URL's token into an HttpOnly cookie, which same-origin requests carry. */
export function httpTransport(): Transport {
  const listeners = new Set<(e: StudioEvent) => void>();
  const reconnectListeners = new Set<() => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'open';
  const setConnection = (state: ConnectionState) => {
    if (state === connection) return;
    connection = state;
    for (const l of connectionListeners) l(state);
  };
  /**
   * The socket is closed and has not opened again within a moment: ask the host why. A browser does not show a
   * refused WebSocket's status, a request does: 401 is a token the host no longer takes (it was restarted).
   */
  const probe = () => {
    if (current?.readyState === WebSocket.OPEN) return;
    fetch('/api/system.info', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
      (res) => {
        if (current?.readyState === WebSocket.OPEN) return;
        if (res.status === 401) setConnection('refused');
        // It answers: the socket is only between tries (a host back with the same token); try now rather than after
        // a long wait (at most once a second, as probes come).
        else if (res.ok) reconnectNow();
        else setConnection('lost');
      },
      () => setConnection('lost'),
    );
  };
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const reconnectNow = () => {
    if (retryTimer === undefined || current || retry <= 1000) return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    connect();
  };
  let retry = 500;
  let opened = false;
  let current: WebSocket | null = null;
  /** Calls sent on the socket, waiting for their replies. */
  const pending = new Map<number, { resolve: (e: Envelope<unknown>) => void; reject: (e: Error) => void }>();
  let nextCall = 1;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${proto}://${location.host}/events`);
    current = socket;
    socket.onopen = () => {
      retry = 500;
      setConnection('open');
      if (opened) for (const l of reconnectListeners) l();
      opened = true;
    };
    socket.onmessage = (m) => {
      const message = JSON.parse(String(m.data)) as StudioEvent | { reply: number | null; envelope: Envelope<unknown> };
      if ('reply' in message) {
        const call = message.reply === null ? undefined : pending.get(message.reply);
        if (message.reply !== null) pending.delete(message.reply);
        call?.resolve(message.envelope);
        return;
      }
      for (const l of listeners) l(message);
    };
    socket.onclose = () => {
      current = null;
      for (const call of pending.values()) call.reject(new Error('the connection to the studio closed during the call'));
      pending.clear();
      setTimeout(probe, 1000);
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        connect();
      }, retry);
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
    invokeLive(name, input) {
      const socket = current;
      if (!socket || socket.readyState !== WebSocket.OPEN) return null;
      const id = nextCall++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ call: id, name, input: input ?? {} }));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onReconnect(l) {
      reconnectListeners.add(l);
      return () => reconnectListeners.delete(l);
    },
    onConnection(l) {
      connectionListeners.add(l);
      return () => connectionListeners.delete(l);
    },
  };
}

export function detectTransport(): Transport {
  return window.latentStudio ? ipcTransport(window.latentStudio) : httpTransport();
}
