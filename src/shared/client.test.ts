import { describe, expect, it } from 'vitest';
import type { CommandName, Envelope, StudioEvent } from './api';
import { ClientError, createClient, type Transport } from './client';

/** A transport that answers from a table and records which way each call went. */
function fakeTransport(answers: Partial<Record<CommandName, Envelope<unknown>>>, live: boolean) {
  const sent: string[] = [];
  const listeners = new Set<(e: StudioEvent) => void>();
  const transport: Transport = {
    kind: 'headless',
    invoke: async (name) => {
      sent.push(`http ${name}`);
      return answers[name] ?? { ok: false, error: { code: 'not_found', message: `no ${name}` } };
    },
    ...(live
      ? {
          invokeLive: (name: CommandName) => {
            sent.push(`socket ${name}`);
            return Promise.resolve(answers[name] ?? { ok: false as const, error: { code: 'internal' as const, message: '' } });
          },
        }
      : {}),
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onReconnect: () => () => undefined,
  };
  return { transport, sent, listeners };
}

describe('the one client', () => {
  it('calls every command through its transport and turns a refusal into an error naming its fields', async () => {
    const { transport, sent } = fakeTransport(
      {
        'runs.list': { ok: true, value: [] },
        'runs.start': {
          ok: false,
          error: {
            code: 'bad_request',
            message: 'invalid run config',
            issues: [{ path: 'training.epochs', message: 'too small' }],
          },
        },
      },
      false,
    );
    const client = createClient(transport);
    expect(await client.api['runs.list']({})).toEqual([]);
    const refused = await client.call('runs.start', { config: {} as never }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClientError);
    expect(refused).toMatchObject({ code: 'bad_request', issues: [{ path: 'training.epochs', message: 'too small' }] });
    expect(sent).toEqual(['http runs.list', 'http runs.start']);
    expect(client.artifactUrl(7)).toBe('/artifacts/7');
  });

  it('sends live calls over the socket when the transport has one, and keeps the caller’s kind of error', async () => {
    const { transport, sent, listeners } = fakeTransport({ 'runs.list': { ok: true, value: [1] } }, true);
    class Refusal extends Error {}
    const client = createClient(transport, { refusal: (body) => new Refusal(body.message) });
    expect(await client.call('runs.list', {}, { live: true })).toEqual([1]);
    expect(await client.call('runs.list', {})).toEqual([1]);
    await expect(client.api['runs.get']({ runId: 1 })).rejects.toBeInstanceOf(Refusal);
    expect(sent).toEqual(['socket runs.list', 'http runs.list', 'http runs.get']);
    const off = client.on(() => undefined);
    expect(listeners.size).toBe(1);
    off();
    expect(listeners.size).toBe(0);
  });
});
