import type { HaltChannel, HaltSignal } from '../../app/ports.js';
import { HaltError } from '../../domain/errors.js';
import { createHaltTransitions } from './halt-transitions.js';
import { createInProcessHaltStore, type InProcessHaltStore } from './in-process-halt-store.js';

const NO_SIGNAL: HaltSignal = { reason: undefined, source: undefined, at: undefined };

/**
 * The halt channel of the embedded default (no REDIS_URL): the same semantics as the Redis channel, in memory.
 * Always available until closed. Watchers are told each transition once, asynchronously (a queued microtask),
 * including this channel's own raise and clear. Channels opened on one `store` see each other's raises, as
 * instances sharing one Redis do; without a store the channel has one of its own.
 *
 * After close(): `available` is false, raise/clear/read reject with HaltError HALT_CHANNEL_UNAVAILABLE, and no
 * watcher or availability listener is called again. close() is idempotent.
 */
export function createInProcessHaltChannel(store: InProcessHaltStore = createInProcessHaltStore()): HaltChannel {
  const transitions = createHaltTransitions();
  let closed = false;
  const stopListening = store.subscribe((flag) => transitions.observe(flag.active, flag.signal));
  const initial = store.read();
  transitions.observe(initial.active, initial.signal);

  const assertOpen = (operation: string): void => {
    if (closed) {
      throw new HaltError({ code: 'HALT_CHANNEL_UNAVAILABLE', message: `in-process halt channel: ${operation} after close` });
    }
  };

  return {
    kind: 'in-process',
    get available() {
      return !closed;
    },
    async raise(signal) {
      assertOpen('raise');
      store.write({ active: true, signal: { reason: signal.reason, source: signal.source, at: signal.at } });
    },
    async clear() {
      assertOpen('clear');
      store.write({ active: false, signal: NO_SIGNAL });
    },
    async read() {
      assertOpen('read');
      const flag = store.read();
      return { active: flag.active, reason: flag.signal.reason };
    },
    watch: (listener) => transitions.watch(listener),
    // Memory never becomes unreachable, so there is no change to report; closing is not reported either.
    onAvailability: () => () => undefined,
    async close() {
      if (closed) return;
      closed = true;
      stopListening();
      transitions.stop();
    },
  };
}
