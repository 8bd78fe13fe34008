import { createParser } from 'eventsource-parser';
import type { EventJson } from '../domain/chain/event-json.js';
import { query } from './api.js';

export interface LiveStreamOptions {
  /** Filters of GET /v1/observer/events/stream (event_type comma list, agent_id, session_id). */
  filter: Record<string, string | undefined>;
  /** Replay every event after this sequence first (the stream's last_event_id), then go live. */
  after?: number;
  onEvent(event: EventJson): void;
  /** Connected (true) or lost and reconnecting (false). */
  onConnection?(connected: boolean): void;
}

export interface LiveStream {
  close(): void;
}

/** Wait before reconnecting, unless the server's `retry:` field or a 429's Retry-After says otherwise. */
const DEFAULT_RETRY_MS = 2_000;

/**
 * The live event stream (GET /v1/observer/events/stream, Server-Sent Events) read with fetch and parsed with
 * eventsource-parser. Not EventSource: the server names each message by its event type, and EventSource delivers
 * named messages only to listeners of that exact name, while event types are open-ended. The server replays from
 * last_event_id, so reconnecting from the last sequence seen (after a drop, the server's own stream rotation or a
 * 429) misses nothing and repeats nothing.
 */
export function openLiveStream(options: LiveStreamOptions): LiveStream {
  let last = options.after;
  let retryMs = DEFAULT_RETRY_MS;
  const abort = new AbortController();

  const connect = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const response = await fetch(`/v1/observer/events/stream${query({ ...options.filter, last_event_id: last })}`, {
          headers: { accept: 'text/event-stream' },
          signal: abort.signal,
        });
        if (!response.ok || response.body === null) {
          const retryAfter = Number(response.headers.get('retry-after'));
          await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : retryMs, abort.signal);
          continue;
        }
        options.onConnection?.(true);
        const parser = createParser({
          onEvent: (message) => {
            const event = JSON.parse(message.data) as EventJson;
            if (last !== undefined && event.sequence <= last) return; // never shown twice
            last = event.sequence;
            options.onEvent(event);
          },
          onRetry: (ms) => {
            retryMs = ms;
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      options.onConnection?.(false);
      await sleep(retryMs, abort.signal);
    }
  };
  void connect();
  return { close: () => abort.abort() };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
