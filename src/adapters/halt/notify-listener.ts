/**
 * Calls a consumer's listener so that a throwing listener can neither stop the other listeners nor break the
 * caller (for Redis, the caller is ioredis's socket handler, whose parser state a synchronous throw would corrupt).
 * The error is rethrown from a fresh microtask, an uncaught exception, so a consumer's bug is never hidden.
 */
export function notifyListener<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
