import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAiLlm, parseRetryAfter } from '../../../src/adapters/llm/openai-llm.js';
import { resilientLlm, type ResilientLlmOptions } from '../../../src/app/conclave/resilient-llm.js';
import { LlmError, type AppError } from '../../../src/domain/errors.js';
import type { LlmClient } from '../../../src/app/ports.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { testArchon, testRequest } from './test-archons.js';

const API_KEY = 'sk-test-0123456789abcdef';
const REQUEST = testRequest(testArchon(0), 'speech', 'seed');

interface Seen {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  body: Record<string, unknown>;
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A chat-completions answer as OpenAI sends it. */
function completion(content: unknown, model: string | null = 'llama3.1:8b'): string {
  return JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', ...(model === null ? {} : { model }), choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
}
const json = (status: number, body: string, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
};
const ok = (content = 'I speak for it.\nSTANCE: FOR'): Handler => json(200, completion(content));
const never: Handler = () => undefined;

// A real chat-completions server on 127.0.0.1, port 0: each request takes the next scripted handler.
let server: Server;
let baseUrl: string;
let handlers: Handler[] = [];
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      (handlers.shift() ?? json(500, '{"error":"no handler scripted"}'))(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
beforeEach(() => {
  handlers = [];
  seen = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(apiKey?: string): LlmClient {
  return createOpenAiLlm({ baseUrl, model: 'llama3.1', ...(apiKey === undefined ? {} : { apiKey }) });
}

/** The adapter behind resilientLlm, with recorded (not slept) backoff delays. */
function resilient(overrides: Partial<ResilientLlmOptions> = {}): { llm: LlmClient; delays: number[] } {
  const delays: number[] = [];
  const llm = resilientLlm(client(API_KEY), { timeoutMs: 2000, retries: 2, baseDelayMs: 10, maxDelayMs: 5000, maxConcurrency: 2, sleep: async (ms) => void delays.push(ms), ...overrides });
  return { llm, delays };
}

function expectNoKey(error: AppError): void {
  expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(API_KEY);
}

describe('createOpenAiLlm', () => {
  describe('when the provider answers', () => {
    it('POSTs the system and user messages, model and temperature to /chat/completions, and returns the content', async () => {
      handlers = [ok()];
      const reply = await client().complete(REQUEST);
      expect(reply).toEqual({ text: 'I speak for it.\nSTANCE: FOR', model: 'openai/llama3.1:8b' });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
      expect(seen[0]!.body).toEqual({
        model: 'llama3.1',
        temperature: 0.8,
        messages: [
          { role: 'system', content: REQUEST.system },
          { role: 'user', content: REQUEST.prompt },
        ],
      });
    });

    it('names the configured model when the response has none, and accepts a trailing slash', async () => {
      handlers = [json(200, completion('Present.', null))];
      const reply = await createOpenAiLlm({ baseUrl: `${baseUrl}/`, model: 'llama3.1', temperature: 0.1 }).complete(testRequest(testArchon(1), 'roll_call', 's'));
      expect(reply.model).toBe('openai/llama3.1');
      expect(seen[0]).toMatchObject({ url: '/v1/chat/completions', body: { temperature: 0.1 } });
    });

    it('sends Authorization: Bearer only when an API key is configured', async () => {
      handlers = [ok(), ok(), ok()];
      await client(API_KEY).complete(REQUEST);
      await client().complete(REQUEST);
      await client('').complete(REQUEST);
      expect(seen.map((s) => s.authorization)).toEqual([`Bearer ${API_KEY}`, undefined, undefined]);
    });
  });

  describe('when the provider never answers', () => {
    it('times out with LLM_TIMEOUT through resilientLlm, retrying each attempt', async () => {
      handlers = [never, never];
      const { llm } = resilient({ timeoutMs: 100, retries: 1 });
      const error = await expectRejection(llm.complete(REQUEST), LlmError, 'LLM_TIMEOUT');
      expect(error.details?.transient).toBe(true);
      expect(seen).toHaveLength(2);
    });

    it('maps the caller aborting to LLM_TIMEOUT', async () => {
      handlers = [never];
      const error = await expectRejection(client().complete(REQUEST, AbortSignal.timeout(50)), LlmError, 'LLM_TIMEOUT');
      expect(error.details?.transient).toBe(true);
    });
  });

  describe('when the provider rate-limits', () => {
    it('retries a 429 after its Retry-After, then answers', async () => {
      handlers = [json(429, '{"error":{"message":"slow down"}}', { 'retry-after': '1' }), ok()];
      const { llm, delays } = resilient();
      expect((await llm.complete(REQUEST)).text).toBe('I speak for it.\nSTANCE: FOR');
      expect(seen).toHaveLength(2);
      expect(delays).toEqual([1000]);
    });

    it('reports LLM_RATE_LIMITED with retryAfterMs from seconds, retry-after-ms or an HTTP-date', async () => {
      handlers = [
        json(429, '{}', { 'retry-after': '3' }),
        json(429, '{}', { 'retry-after-ms': '250', 'retry-after': '3' }),
        json(429, '{}', { 'retry-after': new Date(Date.now() + 5000).toUTCString() }),
        json(429, '{}'),
      ];
      const details = [];
      for (let i = 0; i < 4; i++) details.push((await expectRejection(client().complete(REQUEST), LlmError, 'LLM_RATE_LIMITED')).details);
      expect(details[0]).toEqual({ transient: true, status: 429, retryAfterMs: 3000 });
      expect(details[1]).toMatchObject({ retryAfterMs: 250 });
      expect(details[2]!.retryAfterMs).toBeGreaterThan(2000);
      expect(details[2]!.retryAfterMs).toBeLessThanOrEqual(5000);
      expect(details[3]).toEqual({ transient: true, status: 429 });
    });
  });

  describe('when the provider answers an error status', () => {
    it('retries a 500 and answers', async () => {
      handlers = [json(500, '{"error":{"message":"overloaded"}}'), ok()];
      const { llm, delays } = resilient();
      expect((await llm.complete(REQUEST)).model).toBe('openai/llama3.1:8b');
      expect(seen).toHaveLength(2);
      expect(delays).toHaveLength(1);
    });

    it('reports a 5xx as transient LLM_HTTP_ERROR with its status and message', async () => {
      handlers = [json(503, '{"error":{"message":"model is loading"}}')];
      const error = await expectRejection(client().complete(REQUEST), LlmError, 'LLM_HTTP_ERROR');
      expect(error.details).toEqual({ transient: true, status: 503, providerMessage: 'model is loading' });
    });

    it('does not retry a 400, and keeps the key out of the error', async () => {
      handlers = [json(400, JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}` } })), ok()];
      const { llm } = resilient();
      const error = await expectRejection(llm.complete(REQUEST), LlmError, 'LLM_HTTP_ERROR');
      expect(error.details).toMatchObject({ transient: false, status: 400, providerMessage: 'Incorrect API key provided: [redacted]' });
      expect(seen).toHaveLength(1);
      expectNoKey(error);
    });

    it('does not follow a redirect (the key must not travel elsewhere)', async () => {
      handlers = [json(307, '', { location: 'http://127.0.0.1:1/elsewhere' })];
      const error = await expectRejection(client(API_KEY).complete(REQUEST), LlmError, 'LLM_HTTP_ERROR');
      expect(error.details).toEqual({ transient: false, status: 307 });
    });
  });

  describe('when a 2xx body is not a chat completion', () => {
    it.each([
      ['malformed JSON', '{"choices": ['],
      ['missing choices', '{"id":"x","object":"chat.completion"}'],
      ['empty choices', '{"choices":[]}'],
      ['non-string content', completion(42)],
      ['null content', completion(null)],
      ['a JSON array', '[1,2]'],
      ['JSON null', 'null'],
      ['content with a lone surrogate', '{"choices":[{"message":{"content":"STANCE: FOR \\ud800"}}]}'],
    ])('%s is LLM_BAD_RESPONSE, not retried', async (_name, body) => {
      handlers = [json(200, body), ok()];
      const { llm } = resilient();
      const error = await expectRejection(llm.complete(REQUEST), LlmError, 'LLM_BAD_RESPONSE');
      expect(error.details).toEqual({ transient: false, status: 200 });
      expect(seen).toHaveLength(1);
    });

    it('refuses a body over 1 MiB with LLM_BAD_RESPONSE', async () => {
      handlers = [json(200, completion('x'.repeat(1024 * 1024 + 1)))];
      await expectRejection(client().complete(REQUEST), LlmError, 'LLM_BAD_RESPONSE');
    });
  });

  describe('when the provider cannot be reached', () => {
    it('maps a refused connection (a closed port) to transient LLM_UNREACHABLE', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const error = await expectRejection(createOpenAiLlm({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm', apiKey: API_KEY }).complete(REQUEST), LlmError, 'LLM_UNREACHABLE');
      expect(error.details).toEqual({ transient: true, cause: 'ECONNREFUSED' });
      expectNoKey(error);
    });

    it('maps a connection dropped mid-answer to transient LLM_UNREACHABLE', async () => {
      handlers = [
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"choices":[');
          setTimeout(() => res.socket?.destroy(), 20);
        },
      ];
      const error = await expectRejection(client().complete(REQUEST), LlmError, 'LLM_UNREACHABLE');
      expect(error.details?.transient).toBe(true);
    });
  });
});

describe('parseRetryAfter', () => {
  const at = (headers: Record<string, string>): number | undefined => parseRetryAfter(new Headers(headers), Date.parse('2026-01-01T00:00:00Z'));

  it('reads delay-seconds, an HTTP-date and retry-after-ms', () => {
    expect(at({ 'retry-after': '2' })).toBe(2000);
    expect(at({ 'retry-after': '0.5' })).toBe(500);
    expect(at({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' })).toBe(7000);
    expect(at({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' })).toBe(0);
    expect(at({ 'retry-after-ms': '120.2' })).toBe(121);
  });

  it('ignores an absent or unreadable value', () => {
    expect(at({})).toBeUndefined();
    expect(at({ 'retry-after': 'soon' })).toBeUndefined();
    expect(at({ 'retry-after': '-1' })).toBeUndefined();
    expect(at({ 'retry-after': '2026-01-01T00:00:07Z' })).toBeUndefined();
  });
});
