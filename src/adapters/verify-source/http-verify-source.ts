import { parseJsonText } from '../../domain/encoding/parse-json.js';
import { InputError, StoreError } from '../../domain/errors.js';
import type { VerifySource } from '../../app/offline-verify/verify-source.js';

/** Events per page: the observer API's maximum (GET /v1/observer/events `limit`). */
const PAGE_LIMIT = 1000;
/** Requests refused with 429 or 503 are retried this often, after the server's Retry-After (capped). */
const MAX_RETRIES = 5;
const MAX_RETRY_WAIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpSourceOptions {
  fetch?: typeof fetch;
  /** Waits before a retry (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A live log read through its public observer API: pages GET /v1/observer/events?after_sequence=…&limit=1000 from
 * the start, following `next.after_sequence` until `next` is null, and hands each page on as NDJSON lines (one
 * event's protocol JSON each). The next page is fetched while the current one is verified. What the server sends is
 * judged by the verifier, not here: this adapter only checks the page's shape and that the cursor advances.
 * Throws InputError INPUT_FIELD_INVALID (details.field "--url") for a URL that is not http(s), StoreError
 * STORE_UNAVAILABLE when the server does not answer (or keeps answering 429/503), STORE_FAILED for any other
 * status or a malformed page.
 */
export function createHttpVerifySource(baseUrl: string, options: HttpSourceOptions = {}): VerifySource {
  const base = parseBaseUrl(baseUrl);
  const get = (path: string) => {
    const answer = getJson(base, path, options);
    // Fetched ahead: when the verifier stops early nobody awaits it, and its failure must not go unhandled.
    answer.catch(() => undefined);
    return answer;
  };
  return {
    name: base,
    totalBytes: undefined,
    async *chunks() {
      let page = get(pagePath(0));
      for (let after = 0; ; ) {
        const { events, next } = toPage(await page);
        if (next !== null && next <= after) throw malformed(base, `the page after sequence ${after} points back to ${next}`);
        if (next !== null) page = get(pagePath(next));
        yield Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
        if (next === null) return;
        after = next;
      }
    },
  };
}

/**
 * The server's public key set (GET /v1/observer/keys), as JSON to be parsed by parsePublicKeySet; undefined when
 * the server has no such endpoint (404). Throws as createHttpVerifySource.
 */
export async function fetchPublicKeySet(baseUrl: string, options: HttpSourceOptions = {}): Promise<unknown> {
  return getJson(parseBaseUrl(baseUrl), '/v1/observer/keys', options, true);
}

/**
 * The signed note of the server's latest checkpoint (GET /v1/observer/checkpoints/latest?format=json), to be checked
 * like a pinned one; undefined when none is published or the server has no such endpoint (404). Throws as
 * createHttpVerifySource, and STORE_FAILED when the answer has no note.
 */
export async function fetchLatestCheckpoint(baseUrl: string, options: HttpSourceOptions = {}): Promise<string | undefined> {
  const base = parseBaseUrl(baseUrl);
  const body = (await getJson(base, '/v1/observer/checkpoints/latest?format=json', options, true)) as { note?: unknown } | undefined;
  if (body === undefined) return undefined;
  if (typeof body?.note !== 'string') throw malformed(base, 'the latest checkpoint has no note');
  return body.note;
}

function pagePath(after: number): string {
  return `/v1/observer/events?after_sequence=${after}&limit=${PAGE_LIMIT}`;
}

function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `--url ${JSON.stringify(text)} is not an http(s) URL such as http://host:8000`, details: { field: '--url' } });
  }
  return url.href.replace(/\/+$/, '');
}

async function getJson(base: string, path: string, options: HttpSourceOptions, absentIsUndefined = false): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers: { accept: 'application/json' } });
    } catch (cause) {
      throw new StoreError({ code: 'STORE_UNAVAILABLE', message: `${base} does not answer GET ${path} (${(cause as Error).message})`, cause });
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return parseJsonText(text, `the answer to GET ${path}`);
      } catch (cause) {
        throw malformed(base, (cause as Error).message);
      }
    }
    if (absentIsUndefined && response.status === 404) return undefined;
    if ((response.status === 429 || response.status === 503) && attempt < MAX_RETRIES) {
      await sleep(retryAfterMs(response.headers.get('retry-after'), attempt));
      continue;
    }
    const code = response.status === 429 || response.status === 503 ? 'STORE_UNAVAILABLE' : 'STORE_FAILED';
    throw new StoreError({ code, message: `${base} answered GET ${path} with ${response.status}: ${text.slice(0, 200)}`, details: { status: response.status } });
  }
}

/** Retry-After in seconds (RFC 9110 §10.2.3; the date form is not used by this API), else a doubling backoff. */
function retryAfterMs(header: string | null, attempt: number): number {
  const seconds = header !== null && /^\d+$/.test(header) ? Number(header) : 2 ** attempt;
  return Math.min(seconds * 1000, MAX_RETRY_WAIT_MS);
}

function toPage(body: unknown): { events: unknown[]; next: number | null } {
  const page = body as { events?: unknown; next?: unknown } | null;
  if (page === null || typeof page !== 'object' || !Array.isArray(page.events)) throw malformed('', 'a page must be an object with an events array');
  if (page.next === null) return { events: page.events, next: null };
  const after = (page.next as { after_sequence?: unknown } | undefined)?.after_sequence;
  if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) throw malformed('', 'next must be null or { after_sequence: n }');
  return { events: page.events, next: after };
}

function malformed(base: string, problem: string): StoreError {
  return new StoreError({ code: 'STORE_FAILED', message: `${base ? `${base}: ` : ''}unexpected answer from the observer API: ${problem}` });
}
