import { describe, expect, it, vi } from 'vitest';
import { resilientLlm, type ResilientLlmOptions } from '../../../src/app/conclave/resilient-llm.js';
import { ConfigError, LlmError, type LlmErrorCode } from '../../../src/domain/errors.js';
import type { LlmClient, LlmReply, LlmRequest } from '../../../src/app/ports.js';
import { expectCode } from '../../support/expect-code.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { testArchon, testRequest } from '../../adapters/llm/test-archons.js';

const REQUEST: LlmRequest = testRequest(testArchon(0), 'speech', 'seed');
const REPLY: LlmReply = { text: 'ok\nSTANCE: FOR', model: 'test/v1' };

function llmError(code: LlmErrorCode, details: Record<string, unknown>): LlmError {
  return new LlmError({ code, message: code, details });
}

/** A client that fails with `failures` in order, then answers; it records every call. */
function scripted(failures: LlmError[]): LlmClient & { calls: number } {
  const client = {
    calls: 0,
    async complete(): Promise<LlmReply> {
      const failure = failures[client.calls++];
      if (failure !== undefined) throw failure;
      return REPLY;
    },
  };
  return client;
}

/** Options with no real waiting: sleep records its delays and resolves at once. */
function options(overrides: Partial<ResilientLlmOptions> = {}): ResilientLlmOptions & { delays: number[] } {
  const delays: number[] = [];
  return { timeoutMs: 1000, retries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxConcurrency: 4, random: () => 0.5, sleep: async (ms) => void delays.push(ms), delays, ...overrides };
}

describe('resilientLlm', () => {
  describe('concurrency', () => {
    it('never has more than maxConcurrency calls in flight under 50 parallel calls', async () => {
      let active = 0;
      let peak = 0;
      const inner: LlmClient = {
        async complete() {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 5)));
          active--;
          return REPLY;
        },
      };
      const client = resilientLlm(inner, options({ maxConcurrency: 5 }));
      const replies = await Promise.all(Array.from({ length: 50 }, () => client.complete(REQUEST)));
      expect(replies).toHaveLength(50);
      expect(peak).toBe(5);
    });

    it('frees the slot of a failed attempt during its backoff', async () => {
      const order: string[] = [];
      let first = true;
      const inner: LlmClient = {
        async complete(request) {
          order.push(request.seed);
          if (request.seed === 'a' && first) {
            first = false;
            throw llmError('LLM_HTTP_ERROR', { transient: true, status: 503 });
          }
          return REPLY;
        },
      };
      const client = resilientLlm(inner, options({ maxConcurrency: 1, sleep: () => new Promise((resolve) => setTimeout(resolve, 20)) }));
      await Promise.all([client.complete({ ...REQUEST, seed: 'a' }), client.complete({ ...REQUEST, seed: 'b' })]);
      expect(order).toEqual(['a', 'b', 'a']);
    });
  });

  describe('retries', () => {
    it('retries transient errors and answers', async () => {
      const inner = scripted([llmError('LLM_UNREACHABLE', { transient: true }), llmError('LLM_HTTP_ERROR', { transient: true, status: 502 })]);
      const opts = options();
      expect(await resilientLlm(inner, opts).complete(REQUEST)).toEqual(REPLY);
      expect(inner.calls).toBe(3);
      expect(opts.delays).toHaveLength(2);
    });

    it('does not retry a non-transient error', async () => {
      const inner = scripted([llmError('LLM_HTTP_ERROR', { transient: false, status: 400 })]);
      const error = await expectRejection(resilientLlm(inner, options()).complete(REQUEST), LlmError, 'LLM_HTTP_ERROR');
      expect(error.details?.status).toBe(400);
      expect(inner.calls).toBe(1);
    });

    it('passes an error that is not an LlmError through unretried', async () => {
      let calls = 0;
      const inner: LlmClient = {
        complete: async () => {
          calls++;
          throw new TypeError('bug');
        },
      };
      await expect(resilientLlm(inner, options()).complete(REQUEST)).rejects.toBeInstanceOf(TypeError);
      expect(calls).toBe(1);
    });

    it('throws the last LlmError once retries are spent', async () => {
      const failures = [1, 2, 3, 4].map((n) => llmError('LLM_HTTP_ERROR', { transient: true, status: 500 + n }));
      const inner = scripted(failures);
      const error = await expectRejection(resilientLlm(inner, options({ retries: 3 })).complete(REQUEST), LlmError, 'LLM_HTTP_ERROR');
      expect(error).toBe(failures[3]);
      expect(inner.calls).toBe(4);
    });
  });

  describe('backoff', () => {
    const transient = (): LlmError[] => Array.from({ length: 6 }, () => llmError('LLM_UNREACHABLE', { transient: true }));

    it('waits random × min(maxDelayMs, baseDelayMs × 2^retry) (full jitter)', async () => {
      for (const r of [0, 0.25, 0.999]) {
        const opts = options({ retries: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => r });
        await expectRejection(resilientLlm(scripted(transient()), opts).complete(REQUEST), LlmError, 'LLM_UNREACHABLE');
        expect(opts.delays).toEqual([100, 200, 400, 800, 1000].map((ceiling) => r * ceiling));
      }
    });

    it('stays within [0, ceiling] for any random value, even one out of range', async () => {
      const values = [-3, 0.5, 7, Number.NaN];
      let i = 0;
      const opts = options({ retries: 4, random: () => values[i++]! });
      await expectRejection(resilientLlm(scripted(transient()), opts).complete(REQUEST), LlmError, 'LLM_UNREACHABLE');
      const ceilings = [100, 200, 400, 800];
      opts.delays.forEach((delay, n) => {
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceilings[n]!);
      });
    });

    it('waits at least retryAfterMs of a rate limit', async () => {
      const inner = scripted([llmError('LLM_RATE_LIMITED', { transient: true, status: 429, retryAfterMs: 700 })]);
      const opts = options({ random: () => 0.1 });
      expect(await resilientLlm(inner, opts).complete(REQUEST)).toEqual(REPLY);
      expect(opts.delays).toEqual([700]);
    });

    it('gives up at once when retryAfterMs exceeds maxDelayMs', async () => {
      const inner = scripted([llmError('LLM_RATE_LIMITED', { transient: true, status: 429, retryAfterMs: 60_000 })]);
      const opts = options();
      await expectRejection(resilientLlm(inner, opts).complete(REQUEST), LlmError, 'LLM_RATE_LIMITED');
      expect(inner.calls).toBe(1);
      expect(opts.delays).toEqual([]);
    });
  });

  describe('timeouts', () => {
    it('rejects an attempt that outlives timeoutMs with LLM_TIMEOUT and aborts its signal, even if inner ignores it', async () => {
      const signals: AbortSignal[] = [];
      const inner: LlmClient = { complete: (_request, signal) => (signals.push(signal!), new Promise<LlmReply>(() => undefined)) };
      const error = await expectRejection(resilientLlm(inner, options({ timeoutMs: 20, retries: 2 })).complete(REQUEST), LlmError, 'LLM_TIMEOUT');
      expect(error.details).toMatchObject({ transient: true, timeoutMs: 20 });
      expect(signals).toHaveLength(3);
      expect(signals.every((s) => s.aborted)).toBe(true);
    });

    it('stops when the caller aborts, without retrying', async () => {
      const controller = new AbortController();
      let calls = 0;
      const inner: LlmClient = {
        complete: (_request, signal) =>
          new Promise<LlmReply>((_resolve, reject) => {
            calls++;
            signal!.addEventListener('abort', () => reject(llmError('LLM_TIMEOUT', { transient: true })));
          }),
      };
      const pending = resilientLlm(inner, options({ timeoutMs: 10_000 })).complete(REQUEST, controller.signal);
      setTimeout(() => controller.abort(), 10);
      const error = await expectRejection(pending, LlmError, 'LLM_TIMEOUT');
      expect(error.details?.aborted).toBe(true);
      expect(calls).toBe(1);
    });

    it('refuses at once when the caller has already aborted', async () => {
      const inner = scripted([]);
      await expectRejection(resilientLlm(inner, options()).complete(REQUEST, AbortSignal.abort()), LlmError, 'LLM_TIMEOUT');
      expect(inner.calls).toBe(0);
    });

    it('lets a queued call leave when its caller aborts', async () => {
      const pending: Array<() => void> = [];
      const inner: LlmClient = { complete: () => new Promise<LlmReply>((resolve) => pending.push(() => resolve(REPLY))) };
      const client = resilientLlm(inner, options({ maxConcurrency: 1 }));
      const running = client.complete(REQUEST);
      const controller = new AbortController();
      const queued = client.complete(REQUEST, controller.signal);
      controller.abort();
      await expectRejection(queued, LlmError, 'LLM_TIMEOUT');
      const next = client.complete(REQUEST);
      await vi.waitFor(() => expect(pending).toHaveLength(1));
      pending[0]!();
      expect(await running).toEqual(REPLY);
      // The aborted waiter gave its place up: the next call gets the slot, not a ghost.
      await vi.waitFor(() => expect(pending).toHaveLength(2));
      pending[1]!();
      expect(await next).toEqual(REPLY);
    });
  });

  it.each([
    ['timeoutMs', { timeoutMs: 0 }],
    ['retries', { retries: 1.5 }],
    ['baseDelayMs', { baseDelayMs: -1 }],
    ['maxDelayMs', { maxDelayMs: 50 }],
    ['maxConcurrency', { maxConcurrency: 0 }],
  ] as const)('refuses an invalid %s with CONFIG_INVALID', (field, overrides) => {
    const error = expectCode(() => resilientLlm(scripted([]), options(overrides)), ConfigError, 'CONFIG_INVALID');
    expect(error.details?.field).toBe(field);
  });
});
