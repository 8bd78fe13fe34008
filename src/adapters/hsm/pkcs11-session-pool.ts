import type { Pkcs11Handle } from './pkcs11-library.js';

/** A pooled session. `handle` is replaced in place when a dead session is reopened. */
export interface PooledSession {
  handle: Pkcs11Handle;
}

/**
 * Lends PKCS#11 sessions one operation at a time: a session runs one cryptographic operation at a time
 * (C_SignInit then C_Sign, or a find), so each `run` has its session to itself until its promise settles.
 * Callers wait in FIFO order when every session is busy.
 */
export class Pkcs11SessionPool {
  readonly #sessions: PooledSession[];
  readonly #idle: PooledSession[];
  readonly #waiters: Array<{ resolve: (s: PooledSession) => void; reject: (err: unknown) => void }> = [];
  readonly #closedError: () => Error;
  #busy = 0;
  #closed = false;
  #onIdle: (() => void) | undefined;

  /** `closedError` is what `run` rejects with once close() has been called. */
  constructor(handles: Pkcs11Handle[], closedError: () => Error) {
    this.#sessions = handles.map((handle) => ({ handle }));
    this.#idle = [...this.#sessions];
    this.#closedError = closedError;
  }

  /** Runs `operation` on a session of its own; the session returns to the pool when the promise settles. */
  async run<T>(operation: (session: PooledSession) => Promise<T>): Promise<T> {
    const session = await this.#acquire();
    try {
      return await operation(session);
    } finally {
      this.#release(session);
    }
  }

  /**
   * Refuses new work, rejects queued callers, waits for running operations to finish (a session must not be
   * closed under a C_Sign running on the thread pool), then returns every session for the caller to close.
   */
  async close(): Promise<Pkcs11Handle[]> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError());
    if (this.#busy > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
    return this.#sessions.map((s) => s.handle);
  }

  #acquire(): Promise<PooledSession> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const session = this.#idle.pop();
    if (session) {
      this.#busy += 1;
      return Promise.resolve(session);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(session: PooledSession): void {
    const next = this.#waiters.shift();
    // Hand the session straight to the next caller: it stays busy, so close() keeps waiting for it.
    if (next) return next.resolve(session);
    this.#busy -= 1;
    this.#idle.push(session);
    if (this.#busy === 0) this.#onIdle?.();
  }
}
