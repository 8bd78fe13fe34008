import { notifyListener } from '../halt/notify-listener.js';

/** Whether the channel's Redis answers, as last observed, with listeners told of each change. */
export interface RedisAvailability {
  readonly available: boolean;
  /** Records an observation (a connection event, a poll, a read); listeners hear only changes. */
  report(available: boolean): void;
  onChange(listener: (available: boolean) => void): () => void;
  /** Sets unavailable without telling anyone, and ignores later reports (the channel closed). */
  stop(): void;
}

/** Creates the tracker: unavailable until Redis first answers. */
export function createRedisAvailability(): RedisAvailability {
  let available = false;
  let stopped = false;
  const listeners = new Set<{ listener: (available: boolean) => void }>();
  return {
    get available() {
      return available;
    },
    report(next) {
      if (stopped || next === available) return;
      available = next;
      for (const entry of [...listeners]) if (listeners.has(entry)) notifyListener(entry.listener, next);
    },
    onChange(listener) {
      if (stopped) return () => undefined;
      const entry = { listener };
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    stop() {
      stopped = true;
      available = false;
      listeners.clear();
    },
  };
}
