import type { LlmClient, LlmPurpose, LlmReply, LlmRequest } from '../../app/ports.js';
import { readBounded, ResponseNotUtf8Error, ResponseTooLargeError } from '../http/read-bounded.js';
import { LlmError } from '../../domain/errors.js';

/** Longest successful answer read from a provider; a chat completion of a speech is a few kilobytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Longest error body read, to quote the provider's own error message. */
const MAX_ERROR_BYTES = 16 * 1024;
/** Longest provider error message kept in details.providerMessage. */
const MAX_PROVIDER_MESSAGE = 200;

/** Sampling temperature per act: formal answers near 0, speeches warmer. */
const TEMPERATURE: Readonly<Record<LlmPurpose, number>> = {
  roll_call: 0,
  second: 0.2,
  speech: 0.8,
  red_team: 0.8,
  digest: 0.2,
  vote: 0.2,
  vote_validation: 0,
};

/** Where and how createOpenAiLlm calls its provider. */
export interface OpenAiLlmOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1` (Ollama); no trailing path. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set and non-empty; never logged, never put in an error. */
  apiKey?: string;
  /** Overrides the per-purpose temperature. */
  temperature?: number;
  /** The fetch to use (tests may pass one bound to a custom dispatcher); the global fetch by default. */
  fetch?: typeof fetch;
}

/**
 * A client for any OpenAI-compatible chat-completions endpoint: POST {baseUrl}/chat/completions with the request's
 * system and user messages, `model` and `temperature`. Replies with the first choice's content verbatim and
 * `model` = `openai/<the response's model, else options.model>`. The provider is outside our control: its answer
 * is bounded in size and checked for shape. Throws LlmError:
 * - LLM_TIMEOUT (transient) when `signal` aborts the call;
 * - LLM_UNREACHABLE (transient) when the connection fails or drops (details.cause: the system error code);
 * - LLM_RATE_LIMITED (transient) on 429, with details.retryAfterMs from `retry-after-ms` or `Retry-After`;
 * - LLM_HTTP_ERROR on any other non-2xx (details.status; transient for 5xx only; redirects are not followed);
 * - LLM_BAD_RESPONSE (not transient) when a 2xx body is too large, not JSON, or lacks a string
 *   choices[0].message.content.
 */
export function createOpenAiLlm(options: OpenAiLlmOptions): LlmClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const doFetch = options.fetch ?? fetch;
  const redact = (text: string): string => (options.apiKey ? text.split(options.apiKey).join('[redacted]') : text);
  return {
    async complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmReply> {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      let response: Response;
      try {
        response = await doFetch(url, { method: 'POST', headers, body: requestBody(request, options), redirect: 'manual', signal: signal ?? null });
      } catch (err) {
        throw transportError(err, signal);
      }
      if (!response.ok) throw await statusError(response, redact);
      let text: string;
      try {
        text = await readBody(response, MAX_RESPONSE_BYTES);
      } catch (err) {
        if (err instanceof LlmError) throw err;
        throw transportError(err, signal);
      }
      return parseCompletion(text, response.status, options.model);
    },
  };
}

function requestBody(request: LlmRequest, options: OpenAiLlmOptions): string {
  return JSON.stringify({
    model: options.model,
    temperature: options.temperature ?? TEMPERATURE[request.purpose],
    messages: [
      { role: 'system', content: request.system },
      { role: 'user', content: request.prompt },
    ],
  });
}

/** A fetch or body-read failure: an abort is a timeout, anything else a connection that failed or dropped. */
function transportError(err: unknown, signal: AbortSignal | undefined): LlmError {
  const name = (err as { name?: unknown } | null)?.name;
  if (signal?.aborted === true || name === 'AbortError' || name === 'TimeoutError') {
    return new LlmError({ code: 'LLM_TIMEOUT', message: 'the model call was aborted before the provider answered', details: { transient: true }, cause: err });
  }
  // undici reports the system error (ECONNREFUSED, ECONNRESET, ENOTFOUND, …) as err.cause.code.
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  const cause = typeof code === 'string' ? code : 'connection failed';
  return new LlmError({ code: 'LLM_UNREACHABLE', message: `the model provider is unreachable (${cause})`, details: { transient: true, cause }, cause: err });
}

/** The LlmError for a non-2xx answer, quoting the provider's error message (redacted, bounded) when it gives one. */
async function statusError(response: Response, redact: (text: string) => string): Promise<LlmError> {
  const status = response.status;
  let providerMessage: string | undefined;
  try {
    providerMessage = errorMessageOf(await readBody(response, MAX_ERROR_BYTES), redact);
  } catch {
    providerMessage = undefined;
  }
  const quoted = providerMessage === undefined ? {} : { providerMessage };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers, Date.now());
    return new LlmError({
      code: 'LLM_RATE_LIMITED',
      message: 'the model provider answered 429 Too Many Requests',
      details: { transient: true, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...quoted },
    });
  }
  return new LlmError({ code: 'LLM_HTTP_ERROR', message: `the model provider answered HTTP ${status}`, details: { transient: status >= 500, status, ...quoted } });
}

/**
 * How long a 429 asks us to wait, in ms: OpenAI's `retry-after-ms`, else `Retry-After` (RFC 9110 §10.2.3: delay
 * seconds or an HTTP-date, counted from `now`). Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) starts with a day name.
  const at = /^[A-Za-z]{3}/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The reply in a 2xx body: choices[0].message.content verbatim, and `openai/` + the body's `model` when it is a
 * short printable name, else + `fallbackModel`. Attacker-controlled: any other shape is LLM_BAD_RESPONSE.
 */
function parseCompletion(text: string, status: number, fallbackModel: string): LlmReply {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badResponse('the provider answered with a body that is not JSON', status, err);
  }
  const { choices, model } = (typeof body === 'object' && body !== null ? body : {}) as { choices?: unknown; model?: unknown };
  const content = Array.isArray(choices) ? (choices[0] as { message?: { content?: unknown } } | null | undefined)?.message?.content : undefined;
  if (typeof content !== 'string') throw badResponse('the provider answered without a string choices[0].message.content', status);
  // A lone surrogate (a "\ud800" escape) is not text: it could not be signed as given (JCS refuses it), and
  // replacing it would not be the archon's words verbatim.
  if (!content.isWellFormed()) throw badResponse('the provider answered with content that is not well-formed Unicode (a lone surrogate)', status);
  const named = typeof model === 'string' && /^[\x21-\x7e]{1,200}$/.test(model) ? model : fallbackModel;
  return { text: content, model: `openai/${named}` };
}

/** The message of an OpenAI error body (`{"error":{"message"}}`), else of a plain `{"error":"…"}`, on one line. */
function errorMessageOf(text: string, redact: (text: string) => string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = (body as { error?: unknown } | null)?.error;
  const message = typeof error === 'string' ? error : (error as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  return redact(message).replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_PROVIDER_MESSAGE);
}

function badResponse(message: string, status: number, cause?: unknown): LlmError {
  return new LlmError({ code: 'LLM_BAD_RESPONSE', message, details: { transient: false, status }, cause });
}

/** The body as UTF-8 (readBounded), its refusals as LLM_BAD_RESPONSE; a dropped connection propagates as it is. */
async function readBody(response: Response, limit: number): Promise<string> {
  try {
    return await readBounded(response, limit);
  } catch (err) {
    if (err instanceof ResponseTooLargeError) throw badResponse(`the provider's answer exceeds ${limit} bytes`, response.status);
    if (err instanceof ResponseNotUtf8Error) throw badResponse("the provider's answer is not UTF-8", response.status, err.cause);
    throw err;
  }
}
