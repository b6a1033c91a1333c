import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpTransport } from './client';

/** The page's WebSocket, as far as the transport uses it: each socket made, opened and closed by the test. */
class FakeSocket {
  static made: FakeSocket[] = [];
  static readonly OPEN = 1;
  readyState = 1;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(): void {}
}

describe('the headless transport’s reconnect listeners', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    FakeSocket.made = [];
  });

  it('are called after the event socket reconnects, and no more once the view that added one removed it', () => {
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:5173' });
    const transport = httpTransport();
    const gone = vi.fn();
    const shown = vi.fn();
    const remove = transport.onReconnect(gone);
    transport.onReconnect(shown);
    FakeSocket.made[0]?.onopen?.();
    remove();
    // The host goes away and comes back: the transport opens a new socket after its retry delay.
    FakeSocket.made[0]?.onclose?.();
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.made).toHaveLength(2);
    FakeSocket.made[1]?.onopen?.();
    expect(shown).toHaveBeenCalledTimes(1);
    expect(gone).not.toHaveBeenCalled();
  });
});
