import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientPresence, requestClient } from './presence.js';

const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as unknown as IncomingMessage;

describe('client sessions in browser mode', () => {
  let released: string[];
  let presence: ClientPresence;
  beforeEach(() => {
    vi.useFakeTimers();
    released = [];
    presence = new ClientPresence(1000, (client) => released.push(client));
  });
  afterEach(() => {
    presence.close();
    vi.useRealTimers();
  });

  it('keeps a session whose socket reconnects within the grace period, and releases it once when it does not', () => {
    presence.opened('tab-one');
    presence.closed('tab-one');
    vi.advanceTimersByTime(999);
    presence.opened('tab-one');
    vi.advanceTimersByTime(5000);
    expect(released).toEqual([]);
    expect(presence.counts()).toEqual({ connected: 1, waiting: 0 });
    presence.closed('tab-one');
    expect(presence.counts()).toEqual({ connected: 0, waiting: 1 });
    vi.advanceTimersByTime(1000);
    expect(released).toEqual(['tab-one']);
    vi.advanceTimersByTime(10_000);
    expect(released).toEqual(['tab-one']);
    expect(presence.counts()).toEqual({ connected: 0, waiting: 0 });
  });

  it('waits for the last of a session’s sockets', () => {
    presence.opened('tab-two');
    presence.opened('tab-two');
    presence.closed('tab-two');
    vi.advanceTimersByTime(5000);
    expect(released).toEqual([]);
    presence.closed('tab-two');
    vi.advanceTimersByTime(1000);
    expect(released).toEqual(['tab-two']);
  });

  it('releases a session that makes requests but never opens its socket, and not one whose socket is open', () => {
    presence.seen('script');
    vi.advanceTimersByTime(500);
    // Seeing it again does not put the release off: only a socket does.
    presence.seen('script');
    presence.opened('page');
    presence.seen('page');
    vi.advanceTimersByTime(500);
    expect(released).toEqual(['script']);
    vi.advanceTimersByTime(10_000);
    expect(released).toEqual(['script']);
  });

  it('reads the session from the header or the socket URL, and refuses a malformed one', () => {
    expect(requestClient(request('/api/call', { 'x-recount-client': 'abcdef0123456789' }))).toBe('abcdef0123456789');
    expect(requestClient(request('/api/events?client=window-7_ab'))).toBe('window-7_ab');
    expect(requestClient(request('/api/call'))).toBeUndefined();
    expect(() => requestClient(request('/api/call', { 'x-recount-client': 'short' }))).toThrow(/X-Recount-Client must match/);
    expect(() => requestClient(request('/api/events?client=has%20space%20in%20it'))).toThrow(/X-Recount-Client must match/);
  });
});
