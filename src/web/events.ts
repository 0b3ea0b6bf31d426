import type { LiveEvent } from '../shared/user-events.js';
import { checkSession } from './api.js';

/** The user's live events (`GET /api/events`), shared by every component of the page. */

export type { LiveEvent };

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let retryDelayMs = 5_000;

/**
 * EventSource fits here (unlike run streams): one URL, cookies sent, reconnects by itself. After a
 * reconnect the server sends `ready` again, and listeners refresh what they may have missed.
 */
export function startLiveEvents(): void {
  if (source) return;
  source = new EventSource('/api/events', { withCredentials: true });
  // EventSource retries a dropped connection itself, but gives up for good on an error status
  // (429 when the user has too many streams open, 503 while the server restarts): try again later.
  source.onerror = () => {
    if (source?.readyState !== EventSource.CLOSED) return;
    source = null;
    // Refused for good may mean the session ended (signed out elsewhere, disabled): ask, so the
    // tab says so now instead of at its next click.
    void checkSession();
    retryTimer = setTimeout(startLiveEvents, retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, 60_000);
  };
  source.onopen = () => {
    retryDelayMs = 5_000;
  };
  source.onmessage = (message) => {
    let event: LiveEvent;
    try {
      event = JSON.parse(message.data) as LiveEvent;
    } catch {
      return;
    }
    for (const listener of listeners) listener(event);
  };
}

export function stopLiveEvents(): void {
  clearTimeout(retryTimer);
  source?.close();
  source = null;
}

export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
