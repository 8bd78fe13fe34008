import { connect } from 'node:net';
import fc from 'fast-check';
import { httpStatus } from '../../src/api/errors.js';
import type { HTTPMethods, InjectOptions } from 'fastify';

// No vitest import here: the evidence harness (bench/evidence/fuzz) fuzzes with these generators too.

/** X-Request-ID values the server echoes back. */
export const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** One registered route, as the onRoute hook saw it. */
export interface FuzzTarget {
  method: string;
  url: string;
  /** Member names of the route's body and querystring schemas, so generated requests reach the validators. */
  bodyMembers: string[];
  queryMembers: string[];
}

/** Percent-encodes the UTF-8 bytes of `text` (lone surrogates become U+FFFD, as any client would send them). */
function encode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

// Strings that have broken parsers, routers and file servers before, already in URL form.
const NASTY_SEGMENTS = [
  '..', '%2e%2e', '..%2F..%2Fpackage.json', '%2F', 'a%2Fb', '%5C..%5C', '%00', '%ED%A0%80', '%C0%AF', '%E2%80%AE', '%EF%BF%BF',
  '%', '%zz', '%%32%65', '0', '-1', '1e3', '0x10', '9007199254740993', '1.5', ' ', '%20', '~', 'null', 'undefined', '__proto__',
  '00000000-0000-0000-0000-000000000000', 'ABCDEF01-2345-6789-ABCD-EF0123456789', 'x'.repeat(101), 'x'.repeat(5000),
];
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u202E\u202D', '\u0000', '\uD800', '\uDFFF', '\uFEFF', '\uFFFF', '\u{10FFFF}', 'é\u0301', '🜂Ω', '\r\n', '"\'<>`', '\\'),
);
const segment = fc.oneof(fc.constantFrom(...NASTY_SEGMENTS), oddText.map(encode), fc.uuid().map(String), fc.nat().map(String));
const queryValue = fc.oneof(segment, fc.integer().map(String), fc.constant(''));

function pathFor(url: string): fc.Arbitrary<string> {
  const parts = url.split('/').map((part) => (part.includes(':') || part.includes('*') ? fc.array(segment, { minLength: 1, maxLength: part.includes('*') ? 3 : 1 }).map((s) => s.join('/')) : fc.constant(part)));
  return fc.tuple(...parts).map((p) => p.join('/'));
}

function queryFor(target: FuzzTarget): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...target.queryMembers, 'limit', 'after_sequence', '__proto__', 'constructor[prototype][x]', 'a[]', ''), oddText.map(encode));
  const pairs = fc.array(fc.tuple(key, queryValue), { maxLength: 6 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join('&'));
  return fc.oneof(fc.constant(''), pairs.map((q) => `?${q}`), fc.constantFrom('?', '?&&&', '?=', '?a', `?q=${'y'.repeat(10_000)}`, '?%ZZ=1', '?limit=1;limit=2'));
}

const json = (value: unknown) => JSON.stringify(value) ?? 'null';
function bodyFor(target: FuzzTarget): fc.Arbitrary<string | Buffer | undefined> {
  const member = fc.constantFrom(...target.bodyMembers, 'unknown_member', '__proto__');
  const wrongTypes = fc.dictionary(member, fc.jsonValue({ maxDepth: 3 })).map(json);
  const oddStrings = fc.dictionary(member, oddText).map(json);
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('', '{', '{"a":', '[', 'nul', '{"a":1,}', "{'a':1}", '{"a":"\\ud800"}', '{"a":"\\u0000"}', '\uFEFF{}', '{"a":1}{"b":2}', '1e999999', '"\uD800"'),
    fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '['.repeat(20_000) + ']'.repeat(20_000)),
    fc.jsonValue({ maxDepth: 4 }).map(json),
    wrongTypes,
    oddStrings,
    fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(json({ payload: { big: 'x'.repeat(300_000) } })),
  );
}

const contentType = fc.constantFrom(
  undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;;',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/vnd.api+json', '*/*', '',
);
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 140 });

/** A generated request as inject() takes it. */
export type FuzzRequest = InjectOptions & { headers: Record<string, string> };

/**
 * Requests aimed at `target`: mostly its own method, its path with odd segments, odd query strings, bodies of every
 * shape and content types. With `adminToken`, some requests carry the valid token, so admin routes' validators and
 * handlers are reached too, not only their 401.
 */
export function requestFor(target: FuzzTarget, adminToken?: string): fc.Arbitrary<FuzzRequest> {
  const bearer = printable.map((t) => `Bearer ${t}`);
  const authorization = adminToken === undefined ? bearer : fc.oneof(bearer, fc.constant(`Bearer ${adminToken}`));
  return fc
    .record({
      method: fc.oneof({ weight: 4, arbitrary: fc.constant(target.method as HTTPMethods) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      path: pathFor(target.url),
      query: queryFor(target),
      body: bodyFor(target),
      contentType,
      requestId: fc.option(fc.oneof(fc.stringMatching(SANE_ID), printable), { nil: undefined }),
      authorization: fc.option(authorization, { nil: undefined }),
    })
    .map((r) => {
      const headers: Record<string, string> = {};
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
      if (r.authorization !== undefined) headers.authorization = r.authorization;
      return { method: r.method, url: `${r.path}${r.query}`, headers, ...(r.body === undefined ? {} : { payload: r.body }) };
    });
}

/**
 * What is wrong with an answer, or undefined when it is right. Whatever was sent: X-Request-ID is present (and the
 * sane one sent is echoed); the status is below 500 or a deliberate 503 (/v1/ready's own 503 body included); an
 * error is `{"error":{code,message,requestId}}` with a code of our vocabulary whose status is the one answered.
 */
export function answerProblem(status: number, headers: Record<string, unknown>, body: string, sent: { method: string; requestId: string | undefined; route?: string }): string | undefined {
  const requestId = headers['x-request-id'];
  if (!(typeof requestId === 'string' && requestId.length > 0)) return 'X-Request-ID missing';
  if (sent.requestId !== undefined && SANE_ID.test(sent.requestId) && requestId !== sent.requestId) return `X-Request-ID ${requestId} instead of ${sent.requestId}`;
  if (sent.route === '/v1/ready' && status === 503) return undefined;
  if (!(status < 500 || status === 503)) return `status ${status}: ${body.slice(0, 300)}`;
  if (status < 400 || sent.method === 'HEAD') return undefined;
  let parsed: { error?: Record<string, unknown> };
  try {
    parsed = JSON.parse(body) as { error?: Record<string, unknown> };
  } catch {
    return `error body is not JSON: ${body.slice(0, 200)}`;
  }
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== 'error') return `error body members ${JSON.stringify(keys)}`;
  const error = parsed.error ?? {};
  if (typeof error.code !== 'string' || !Object.hasOwn(httpStatus, error.code)) return `error code ${String(error.code)} is not of our vocabulary`;
  if (httpStatus[error.code as keyof typeof httpStatus] !== status) return `${error.code} answered ${status}, its table says ${httpStatus[error.code as keyof typeof httpStatus]}`;
  if (typeof error.message !== 'string') return 'error message missing';
  if (error.requestId !== requestId) return `error.requestId ${String(error.requestId)} is not the X-Request-ID ${requestId}`;
  return undefined;
}

/** Raw requests for a real socket: traversal paths, NUL, random bytes in the request line, bytes that are not HTTP. */
export function rawRequest(): fc.Arbitrary<Buffer> {
  const fixed = ['/docs/static/../../package.json', '/docs/static/..%2f..%2fpackage.json', '/docs/static/%2e%2e/%2e%2e/package.json', '/v1/observer/events/../../../etc/passwd', '/v1/health\0', '*', 'http://evil.example/v1/health'];
  return fc.oneof(
    fc.constantFrom(...fixed).map((path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from('GET /'), Buffer.from(bytes), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n\r\n')])),
  );
}

/** Sends `request` as raw bytes on a new connection; resolves with the parsed answer (status NaN when none came). */
export function sendRaw(port: number, request: Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}
