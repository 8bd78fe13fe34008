import type { LlmClient, LlmReply, LlmRequest } from '../ports.js';
import { ConfigError, LlmError } from '../../domain/errors.js';

/** Limits for resilientLlm: all required except the injectable random and sleep. */
export interface ResilientLlmOptions {
  /** Longest wait for one attempt, from the moment it holds a concurrency slot. */
  timeoutMs: number;
  /** Further attempts after the first, made only for a transient LlmError. */
  retries: number;
  /** Backoff ceiling before the first retry; it doubles with each retry up to maxDelayMs. */
  baseDelayMs: number;
  /** Longest backoff; a Retry-After longer than this ends the retries instead. */
  maxDelayMs: number;
  /** Most calls in flight at once, across every archon sharing this client. */
  maxConcurrency: number;
  /** Uniform in [0, 1); Math.random by default (tests inject it). */
  random?: () => number;
  /** Resolves after `ms`; a timer by default (tests inject it). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Wraps `inner` with what a Conclave of 72 needs from a provider it does not control:
 * - a concurrency cap shared by every call through the returned client (FIFO; a slot is held per attempt, not
 *   during backoff);
 * - a per-attempt timeout: the attempt's signal is aborted and the call rejects with LLM_TIMEOUT (transient) after
 *   timeoutMs, even if `inner` ignores the signal;
 * - retries, only while the error is an LlmError with details.transient = true, after a full-jitter exponential
 *   backoff (random() × min(maxDelayMs, baseDelayMs × 2^retry), AWS "Exponential Backoff And Jitter"), never
 *   shorter than the error's details.retryAfterMs.
 * Throws the last LlmError once retries are spent, at once when details.retryAfterMs exceeds maxDelayMs, and
 * LLM_TIMEOUT (details.aborted = true, no retry) when the caller's `signal` aborts. Errors that are not LlmError
 * pass through unretried. Throws ConfigError CONFIG_INVALID (details.field) for options out of range.
 */
export function resilientLlm(inner: LlmClient, options: ResilientLlmOptions): LlmClient {
  checkOptions(options);
  const slots = createSemaphore(options.maxConcurrency);
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return {
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmReply> {
      for (let retry = 0; ; retry++) {
        try {
          await slots.acquire(signal);
          try {
            return await attempt(inner, request, options.timeoutMs, signal);
          } finally {
            slots.release();
          }
        } catch (err) {
          if (!(err instanceof LlmError) || err.details?.transient !== true || signal?.aborted === true || retry >= options.retries) throw err;
          const delay = backoffDelay(retry, err, options, random);
          if (delay === undefined) throw err;
          await untilAborted(sleep(delay), signal);
        }
      }
    },
  };
}

/** One call of `inner`, rejected with LLM_TIMEOUT after timeoutMs or when `outer` aborts, whichever comes first. */
function attempt(inner: LlmClient, request: LlmRequest, timeoutMs: number, outer: AbortSignal | undefined): Promise<LlmReply> {
  const controller = new AbortController();
  return new Promise<LlmReply>((resolve, reject) => {
    const stop = (error: LlmError): void => {
      cleanup();
      // Reject first: an inner client that honours the signal rejects too, but later (a microtask), and loses.
      reject(error);
      controller.abort(error);
    };
    const onAbort = (): void => stop(aborted());
    const timer = setTimeout(() => stop(new LlmError({ code: 'LLM_TIMEOUT', message: `the model did not answer within ${timeoutMs} ms`, details: { transient: true, timeoutMs } })), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    };
    if (outer?.aborted === true) return stop(aborted());
    outer?.addEventListener('abort', onAbort, { once: true });
    inner.complete(request, controller.signal).then(
      (reply) => (cleanup(), resolve(reply)),
      (err: unknown) => (cleanup(), reject(err)),
    );
  });
}

/** The wait before retry number `retry + 1`, or undefined when the provider asks for longer than maxDelayMs. */
function backoffDelay(retry: number, err: LlmError, options: ResilientLlmOptions, random: () => number): number | undefined {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const r = random();
  // A random() outside [0, 1] (or NaN) must not stretch or skip the wait.
  const jitter = (r > 0 ? Math.min(r, 1) : 0) * ceiling;
  const retryAfterMs = err.details?.retryAfterMs;
  if (typeof retryAfterMs !== 'number' || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) return jitter;
  return retryAfterMs > options.maxDelayMs ? undefined : Math.max(jitter, retryAfterMs);
}

/** A counting semaphore whose waiters are served in order and leave the queue when their signal aborts. */
function createSemaphore(limit: number): { acquire(signal?: AbortSignal): Promise<void>; release(): void } {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    acquire(signal) {
      if (signal?.aborted === true) return Promise.reject(aborted());
      if (active < limit) {
        active++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          waiting.splice(waiting.indexOf(grant), 1);
          reject(aborted());
        };
        // The releasing call hands its slot over: `active` does not change.
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    release() {
      const next = waiting.shift();
      if (next === undefined) active--;
      else next();
    },
  };
}

/** `promise`, or LLM_TIMEOUT (aborted) as soon as `signal` aborts. */
async function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) throw aborted();
  let onAbort = (): void => undefined;
  const abort = new Promise<never>((_, reject) => {
    onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([promise, abort]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function aborted(): LlmError {
  return new LlmError({ code: 'LLM_TIMEOUT', message: 'the model call was aborted by its caller', details: { transient: true, aborted: true } });
}

function checkOptions(options: ResilientLlmOptions): void {
  const check = (field: keyof ResilientLlmOptions, ok: boolean, accepted: string): void => {
    if (!ok) throw new ConfigError({ code: 'CONFIG_INVALID', message: `resilientLlm: ${field}=${String(options[field])} is invalid; expected ${accepted}`, details: { field } });
  };
  check('timeoutMs', Number.isFinite(options.timeoutMs) && options.timeoutMs > 0, 'a positive number of ms');
  check('retries', Number.isInteger(options.retries) && options.retries >= 0, 'a whole number ≥ 0');
  check('baseDelayMs', Number.isFinite(options.baseDelayMs) && options.baseDelayMs >= 0, 'a number of ms ≥ 0');
  check('maxDelayMs', Number.isFinite(options.maxDelayMs) && options.maxDelayMs >= options.baseDelayMs, 'a number of ms ≥ baseDelayMs');
  check('maxConcurrency', Number.isInteger(options.maxConcurrency) && options.maxConcurrency >= 1, 'a whole number ≥ 1');
}
