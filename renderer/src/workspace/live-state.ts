import type { Result } from '../api';

export type LiveState = Result<'live.state'>;

/**
 * The newer of two live states by the engine's sequence number. Answers to requests and the engine's events come
 * on different channels (HTTP and WebSocket in browser mode), so the state a request returns may be older than
 * the last event: kept, it would show stale counters until the log moved again.
 */
export function newerLiveState(current: LiveState | undefined, incoming: LiveState): LiveState {
  return current && current.seq > incoming.seq ? current : incoming;
}
