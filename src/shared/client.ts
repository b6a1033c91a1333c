/**
 * The one client of the contract: typed calls and the event stream over a transport. The renderer's transports are
 * Electron's preload bridge and the headless host from the page (src/renderer/src/lib/client.ts); the CLI's
 * `--remote` is the host from Node with its token in a header (src/cli/remote.ts). A transport moves envelopes; the
 * client turns a refusal into an error that keeps its code and the fields it names.
 */
import {
  commands,
  type Api,
  type ApiErrorBody,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type Envelope,
  type StudioEvent,
} from './api';
import { artifactUrl } from './artifact-url';

/**
 * The link to the studio: open; lost (the host does not answer: stopped, or the tunnel closed); or refused (it
 * answers but not to this page's token: it was restarted, with a new token).
 */
export type ConnectionState = 'open' | 'lost' | 'refused';

export interface Transport {
  kind: 'electron' | 'headless';
  invoke(name: CommandName, input: unknown): Promise<Envelope<unknown>>;
  /**
   * The same call over the open event socket, without a request per call (the headless host answers calls on it):
   * for idempotent calls made many times a second. Null when there is no open socket.
   */
  invokeLive?(name: CommandName, input: unknown): Promise<Envelope<unknown>> | null;
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /** Called after the event stream reconnects, so callers can reload what they missed; returns the unsubscribe. */
  onReconnect(listener: () => void): () => void;
  /** Called when the link changes (a transport without one, Electron's IPC, is always open); returns the unsubscribe. */
  onConnection?(listener: (state: ConnectionState) => void): () => void;
  /** Where an artifact's bytes are, when not on the page's own origin (a remote host from Node). */
  artifactUrl?(artifactId: number): string;
}

/** A refusal of the studio: its code (bad_request, not_found, conflict, internal) and the fields it names. */
export class ClientError extends Error {
  readonly code: ApiErrorBody['code'];
  readonly issues: { path: string; message: string }[];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.code = body.code;
    this.issues = body.issues ?? [];
  }
}

export interface Client {
  readonly kind: Transport['kind'];
  /** `live`: over the event socket where the transport has one open (idempotent calls made many times a second). */
  call<K extends CommandName>(name: K, input: CommandInput<K>, options?: { live?: boolean }): Promise<CommandOutput<K>>;
  /** Every command as a function of its input: the core's `Api`, reached through the transport. */
  readonly api: Api;
  on(listener: (event: StudioEvent) => void): () => void;
  /** Returns the function that removes the listener, for a view to call when it goes. */
  onReconnect(listener: () => void): () => void;
  /** Called when the link to the studio changes; returns the unsubscribe. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Where an artifact's bytes are (a URL for an <img>, or for fetch). */
  artifactUrl(artifactId: number): string;
}

export interface ClientOptions {
  /** The error a refusal becomes (default: ClientError); the CLI keeps the core's ApiError. */
  refusal?: (body: ApiErrorBody) => Error;
}

export function createClient(transport: Transport, options: ClientOptions = {}): Client {
  const refusal = options.refusal ?? ((body: ApiErrorBody) => new ClientError(body));
  const call = async (name: CommandName, input: unknown, live?: boolean): Promise<unknown> => {
    const envelope = await ((live ? transport.invokeLive?.(name, input) : null) ?? transport.invoke(name, input));
    if (!envelope.ok) throw refusal(envelope.error);
    return envelope.value;
  };
  const api = Object.fromEntries(
    (Object.keys(commands) as CommandName[]).map((name) => [name, (input: unknown) => call(name, input)]),
  ) as unknown as Api;
  return {
    kind: transport.kind,
    call: (name, input, o) => call(name, input, o?.live) as never,
    api,
    on: (listener) => transport.subscribe(listener),
    onReconnect: (listener) => transport.onReconnect(listener),
    onConnection: (listener) => transport.onConnection?.(listener) ?? (() => undefined),
    artifactUrl: (artifactId) => transport.artifactUrl?.(artifactId) ?? artifactUrl(artifactId, transport.kind),
  };
}
