import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpVerifySource, fetchLatestCheckpoint, fetchPublicKeySet } from '../../../src/adapters/verify-source/http-verify-source.js';
import { createFileVerifySource } from '../../../src/adapters/verify-source/file-verify-source.js';
import { runOfflineVerify } from '../../../src/app/offline-verify/offline-verify.js';
import { InputError, StoreError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { expectCode } from '../../support/expect-code.js';
import { buildChain, ndjson, requestFor } from './chain-fixture.js';
import type { VerifySource } from '../../../src/app/offline-verify/verify-source.js';

const chain = buildChain(25);

async function readAll(source: VerifySource): Promise<string> {
  let text = '';
  for await (const chunk of source.chunks()) text += new TextDecoder().decode(chunk);
  return text;
}

/** A fake observer API over the chain: pages of `limit` events, and whatever `override` answers first. */
function fakeServer(override?: (url: URL, calls: number) => Response | undefined) {
  const requests: string[] = [];
  const fetchFake = (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    requests.push(`${url.pathname}${url.search}`);
    const answer = override?.(url, requests.length);
    if (answer !== undefined) return answer;
    if (url.pathname !== '/v1/observer/events') return new Response('{"error":{"code":"ROUTE_NOT_FOUND"}}', { status: 404 });
    const after = Number(url.searchParams.get('after_sequence'));
    const events = chain.lines.slice(after, after + 10).map((l) => JSON.parse(l) as unknown);
    const next = after + 10 < chain.lines.length ? { after_sequence: after + 10 } : null;
    return Response.json({ events, next });
  }) as typeof fetch;
  return { fetchFake, requests };
}

describe('createHttpVerifySource', () => {
  it('pages GET /v1/observer/events from the start, following next until it is null', async () => {
    const { fetchFake, requests } = fakeServer();
    const source = createHttpVerifySource('http://log.example:8000/', { fetch: fetchFake });
    expect(source.name).toBe('http://log.example:8000');
    expect(await readAll(source)).toBe(ndjson(chain.lines));
    expect(requests).toEqual(['/v1/observer/events?after_sequence=0&limit=1000', '/v1/observer/events?after_sequence=10&limit=1000', '/v1/observer/events?after_sequence=20&limit=1000']);
  });

  it('feeds the verifier: a live log verifies like its export', async () => {
    const { fetchFake } = fakeServer();
    const report = await runOfflineVerify(requestFor(chain, createHttpVerifySource('http://log.example', { fetch: fetchFake })));
    expect(report).toMatchObject({ ok: true, verified: 25, source: 'http://log.example' });
  });

  it('waits for Retry-After and tries again when rate limited (429)', async () => {
    const waits: number[] = [];
    const { fetchFake } = fakeServer((_url, calls) => (calls === 2 ? new Response('slow down', { status: 429, headers: { 'retry-after': '3' } }) : undefined));
    const source = createHttpVerifySource('http://log.example', { fetch: fetchFake, sleep: async (ms) => void waits.push(ms) });
    expect(await readAll(source)).toBe(ndjson(chain.lines));
    expect(waits).toEqual([3000]);
  });

  it('fails with STORE_UNAVAILABLE when the server does not answer, STORE_FAILED on another status or a malformed page', async () => {
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expectRejection(readAll(createHttpVerifySource('http://log.example', { fetch: down })), StoreError, 'STORE_UNAVAILABLE');
    const broken = fakeServer(() => new Response('oops', { status: 500 }));
    await expectRejection(readAll(createHttpVerifySource('http://log.example', { fetch: broken.fetchFake })), StoreError, 'STORE_FAILED');
    const malformed = fakeServer(() => Response.json({ events: 'none' }));
    await expectRejection(readAll(createHttpVerifySource('http://log.example', { fetch: malformed.fetchFake })), StoreError, 'STORE_FAILED');
    const backwards = fakeServer(() => Response.json({ events: [], next: { after_sequence: 0 } }));
    await expectRejection(readAll(createHttpVerifySource('http://log.example', { fetch: backwards.fetchFake })), StoreError, 'STORE_FAILED');
  });

  it('refuses a URL that is not http(s) (INPUT_FIELD_INVALID)', () => {
    expectCode(() => createHttpVerifySource('ftp://log.example'), InputError, 'INPUT_FIELD_INVALID');
    expectCode(() => createHttpVerifySource('log.example:8000'), InputError, 'INPUT_FIELD_INVALID');
  });
});

describe('fetchPublicKeySet', () => {
  it('returns the keys document, or undefined when the server has no /v1/observer/keys', async () => {
    const keys = { format: 'archon72-public-keys/v1', keys: [] };
    const serving = fakeServer((url) => (url.pathname === '/v1/observer/keys' ? Response.json(keys) : undefined));
    expect(await fetchPublicKeySet('http://log.example', { fetch: serving.fetchFake })).toEqual(keys);
    expect(await fetchPublicKeySet('http://log.example', { fetch: fakeServer().fetchFake })).toBeUndefined();
  });
});

describe('fetchLatestCheckpoint', () => {
  it('returns the latest checkpoint’s signed note, or undefined when none is published', async () => {
    const note = chain.checkpoint(25);
    const serving = fakeServer((url) => (url.pathname === '/v1/observer/checkpoints/latest' ? Response.json({ tree_size: 25, note }) : undefined));
    expect(await fetchLatestCheckpoint('http://log.example', { fetch: serving.fetchFake })).toBe(note);
    expect(serving.requests).toEqual(['/v1/observer/checkpoints/latest?format=json']);
    expect(await fetchLatestCheckpoint('http://log.example', { fetch: fakeServer().fetchFake })).toBeUndefined();
    const noNote = fakeServer(() => Response.json({ tree_size: 25 }));
    await expectRejection(fetchLatestCheckpoint('http://log.example', { fetch: noNote.fetchFake }), StoreError, 'STORE_FAILED');
  });
});

describe('createFileVerifySource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-verify-source-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a file and knows its size', async () => {
    const path = join(dir, 'export.ndjson');
    writeFileSync(path, ndjson(chain.lines));
    const source = createFileVerifySource(path);
    expect(source.totalBytes).toBe(Buffer.byteLength(ndjson(chain.lines)));
    expect(await readAll(source)).toBe(ndjson(chain.lines));
  });

  it('reads standard input for -', async () => {
    const source = createFileVerifySource('-', Readable.from([Buffer.from('a\n'), Buffer.from('b\n')]));
    expect(await readAll(source)).toBe('a\nb\n');
  });

  it('refuses a missing file or a directory at once (INPUT_FIELD_INVALID)', () => {
    expectCode(() => createFileVerifySource(join(dir, 'missing.ndjson')), InputError, 'INPUT_FIELD_INVALID');
    expectCode(() => createFileVerifySource(dir), InputError, 'INPUT_FIELD_INVALID');
  });
});
