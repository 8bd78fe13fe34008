/**
 * Runs functions one at a time per key, in call order; different keys run concurrently. The cosigner takes one
 * per log origin, so that checking the old size and persisting the new checkpoint happen atomically (C2SP
 * tlog-witness: otherwise two requests could both pass the check and roll the state back).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier call with the same key has settled; resolves or rejects as `fn` does. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a call running or waiting (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}
