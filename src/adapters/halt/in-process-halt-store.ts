import type { HaltSignal } from '../../app/ports.js';

/** The flag as stored: what `archon72:halt:active` / `archon72:halt:reason` hold in Redis, plus the raiser's signal. */
export interface StoredHaltFlag {
  active: boolean;
  signal: HaltSignal;
}

/**
 * The memory that in-process halt channels share, as Redis is shared by Redis channels: one flag and the channels
 * listening to it. The embedded default opens one channel on a store of its own; tests open several on one store to
 * play several instances.
 */
export interface InProcessHaltStore {
  /** A copy of the flag now. */
  read(): StoredHaltFlag;
  /** Replaces the flag and tells every subscriber, synchronously, in subscription order. */
  write(flag: StoredHaltFlag): void;
  /** Calls `onWrite` after every write. Returns the function that stops it. */
  subscribe(onWrite: (flag: StoredHaltFlag) => void): () => void;
}

/** Creates an empty store: not halted, no reason. */
export function createInProcessHaltStore(): InProcessHaltStore {
  let flag: StoredHaltFlag = { active: false, signal: { reason: undefined, source: undefined, at: undefined } };
  const subscribers = new Set<{ onWrite: (flag: StoredHaltFlag) => void }>();
  const copy = (f: StoredHaltFlag): StoredHaltFlag => ({ active: f.active, signal: { ...f.signal } });
  return {
    read: () => copy(flag),
    write(next) {
      flag = copy(next);
      for (const subscriber of [...subscribers]) subscriber.onWrite(copy(flag));
    },
    subscribe(onWrite) {
      const subscriber = { onWrite };
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
  };
}
