import type { HaltChannelEvent, HaltSignal } from '../../app/ports.js';
import { notifyListener } from './notify-listener.js';

type Listener = (event: HaltChannelEvent) => void;

/** One watch() call; an object so the same function watched twice is two watchers. */
interface Watcher {
  listener: Listener;
}

/**
 * What one channel has seen of the flag, and its watchers. Every source (pub/sub message, keyspace notification,
 * poll, in-process write) reports what it saw through `observe`; only a change of the flag reaches the watchers,
 * so each transition is delivered once per watcher whichever source saw it first.
 */
export interface HaltTransitions {
  /**
   * Records the flag as a source saw it. inactive→active delivers `raised` with `signal`; active→inactive delivers
   * `cleared`. The first observation is a change only when it is active: a channel that has never seen the flag
   * reports a halt already in force, but has nothing to announce when there is none.
   */
  observe(active: boolean, signal: HaltSignal): void;
  /**
   * Adds a watcher. If the flag is already seen active it is told `raised` at once (once), so a consumer that
   * called read() before watch() cannot miss a halt raised in between. Returns the function that removes it.
   */
  watch(listener: Listener): () => void;
  /** Whether the flag was last seen active (false while unknown). */
  isActive(): boolean;
  /** Removes every watcher and ignores later calls: nothing is delivered afterwards, even transitions already queued. */
  stop(): void;
}

/** Creates the transition tracker: the flag starts unknown, with no watchers. */
export function createHaltTransitions(): HaltTransitions {
  let seen: { active: boolean; signal: HaltSignal } | undefined;
  const watchers = new Set<Watcher>();
  let stopped = false;

  // Delivery is queued, never inline: a listener that raises or clears from inside its callback then queues its own
  // transition after this one, so every watcher sees transitions in the order they happened. Targets are fixed at
  // the transition (a watcher added later gets the catch-up instead) and rechecked at delivery (unsubscribe wins).
  const deliver = (event: HaltChannelEvent, targets: Watcher[]): void => {
    queueMicrotask(() => {
      for (const watcher of targets) if (watchers.has(watcher)) notifyListener(watcher.listener, event);
    });
  };

  return {
    observe(active, signal) {
      if (stopped) return;
      if (active && seen?.active === true) {
        // Still halted: keep what is known (a reason an operator SET after the flag) for later catch-ups.
        seen.signal = mergeSignal(seen.signal, signal);
        return;
      }
      if (!active && seen?.active !== true) {
        seen = { active: false, signal: emptySignal() };
        return;
      }
      seen = { active, signal: active ? { ...signal } : emptySignal() };
      deliver(active ? { kind: 'raised', ...signal } : { kind: 'cleared' }, [...watchers]);
    },
    watch(listener) {
      if (stopped) return () => undefined;
      const watcher: Watcher = { listener };
      watchers.add(watcher);
      if (seen?.active === true) deliver({ kind: 'raised', ...seen.signal }, [watcher]);
      return () => {
        watchers.delete(watcher);
      };
    },
    isActive: () => seen?.active === true,
    stop() {
      stopped = true;
      watchers.clear();
    },
  };
}

function emptySignal(): HaltSignal {
  return { reason: undefined, source: undefined, at: undefined };
}

/** Newer defined fields win: a poll that cannot know the source must not erase the one a message gave. */
function mergeSignal(known: HaltSignal, update: HaltSignal): HaltSignal {
  return {
    reason: update.reason ?? known.reason,
    source: update.source ?? known.source,
    at: update.at ?? known.at,
  };
}
