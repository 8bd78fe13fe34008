import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { ensureAgentKey, LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { NO_CHECKPOINTS } from '../../src/app/export/export-manifest.js';
import { CSV_COLUMNS } from '../../src/app/export/csv.js';
import { EXPORT_PAGE_SIZE } from '../../src/app/export/export-chunks.js';
import type { ExportRoutesDeps } from '../../src/api/routes/observer/export-routes.js';
import { canonicalize } from '../../src/domain/chain/canonical-json.js';
import { toEventJson } from '../../src/domain/chain/event-json.js';
import { parseSignedExportManifest, verifyExportManifest } from '../../src/domain/export/export-manifest.js';
import { fromHex } from '../../src/domain/encoding/bytes.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { FastifyInstance } from 'fastify';
import type { CheckpointReader } from '../../src/app/ports.js';
import type { StoredEvent } from '../../src/domain/chain/event.types.js';
import type { PublicKeySet } from '../../src/domain/signing/public-key-set.js';
import type { JsonObject } from '../../src/domain/chain/canonical-json.js';

/** The services of the export routes on a test stack; SYSTEM:LOG gets its key as at server startup. */
async function exportApp(stack: TestStack, checkpoints: CheckpointReader = NO_CHECKPOINTS, store: ExportRoutesDeps['store'] = stack.store): Promise<FastifyInstance> {
  await ensureAgentKey(LOG_SIGNER_ID, stack, systemClock.now());
  return buildApp(
    {
      appender: stack.appender,
      hsmMode: stack.custody.mode,
      pingDatabase: async () => undefined,
      observer: {
        query: createPgEventQuery(stack.client),
        keys: { registry: stack.registry, clock: systemClock },
        export: { store, keys: stack.keys, custody: stack.custody, checkpoints, clock: systemClock },
      },
    },
    { logLevel: 'silent' },
  );
}

/** RFC 4180 records of `text` (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && field === '' ) {
      for (i++; i < text.length; i++) {
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), i++;
        else if (text[i] === '"') break;
        else field += text[i];
      }
    } else if (c === ',') (record.push(field), (field = ''));
    else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  return records;
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('GET /v1/observer/export and /export/manifest', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  const stored: StoredEvent[] = [];
  const get = (url: string) => app.inject({ method: 'GET', url });
  const ndjsonOf = (events: readonly StoredEvent[]) => events.map((e) => `${canonicalize(toEventJson(e))}\n`).join('');

  beforeAll(async () => {
    stack = await createTestStack();
    app = await exportApp(stack);
    const payloads: JsonObject[] = [
      { text: 'plain' },
      { text: 'a "quoted", comma-separated\r\nmulti-line value' },
      { text: 'Ωmega 🜂 e\u0301 \u2028 \u202Eevil' },
      { nested: { list: [1, 2.5, -0, 1e21, null, true] }, z: 'last', a: 'first' },
    ];
    for (let i = 0; i < 24; i++) stored.push(await stack.appender.append(await stack.submission({ payload: payloads[i % payloads.length] as JsonObject, eventType: i % 2 ? 'vote.cast' : 'motion.proposed' })));
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  describe('NDJSON', () => {
    it('streams the whole log by default: one JCS line per event, LF-terminated, in sequence order', async () => {
      const res = await get('/v1/observer/export');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="archon72-events-1-${stored.length}.ndjson"`);
      expect([res.headers['x-archon72-start-sequence'], res.headers['x-archon72-end-sequence']]).toEqual(['1', String(stored.length)]);
      expect(res.body).toBe(ndjsonOf(stored));
      // Each line parses back to the event (through JSON, which is what the line holds: -0 reads back as 0).
      expect(res.body.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(stored.map((e) => JSON.parse(JSON.stringify(toEventJson(e)))));
    });

    it('exports exactly start_sequence..end_sequence', async () => {
      const res = await get('/v1/observer/export?start_sequence=5&end_sequence=9');
      expect(res.body).toBe(ndjsonOf(stored.slice(4, 9)));
      expect(res.headers['x-archon72-end-sequence']).toBe('9');
    });

    it('is empty for a start beyond the head when no end is given', async () => {
      const res = await get(`/v1/observer/export?start_sequence=${stored.length + 1}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      expect([res.headers['x-archon72-start-sequence'], res.headers['x-archon72-end-sequence']]).toEqual([String(stored.length + 1), String(stored.length)]);
    });

    it('answers HEAD with the headers only', async () => {
      const res = await app.inject({ method: 'HEAD', url: '/v1/observer/export?format=csv' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
      expect(res.body).toBe('');
    });
  });

  describe('CSV', () => {
    it('has a header and one RFC 4180 record per event, payload as its JCS text, quoting where needed', async () => {
      const res = await get('/v1/observer/export?format=csv&start_sequence=1&end_sequence=8');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
      expect(res.body.endsWith('\r\n')).toBe(true);
      const [header, ...records] = parseCsv(res.body);
      expect(header).toEqual([...CSV_COLUMNS]);
      expect(records).toHaveLength(8);
      records.forEach((record, i) => {
        const json = toEventJson(stored[i] as StoredEvent) as unknown as Record<string, unknown>;
        expect(record).toEqual(CSV_COLUMNS.map((c) => (c === 'payload' ? canonicalize(json.payload) : String(json[c]))));
      });
      // The multi-line, quoted payload survived quoting.
      expect(JSON.parse(records[1]?.[3] ?? '')).toEqual(stored[1]?.payload);
    });
  });

  describe('the manifest', () => {
    it('is signed by SYSTEM:LOG with the key GET /v1/observer/keys publishes, and commits to the exact NDJSON bytes', async () => {
      const keys = (await get('/v1/observer/keys')).json<PublicKeySet>();
      const logKey = keys.keys.find((k) => k.actor_id === LOG_SIGNER_ID && k.active_until === null);
      expect(logKey).toBeDefined();
      for (const range of ['', '?start_sequence=3&end_sequence=17', '?start_sequence=24&end_sequence=24']) {
        const res = await get(`/v1/observer/export/manifest${range}`);
        expect(res.statusCode, res.body).toBe(200);
        const signed = parseSignedExportManifest(res.json());
        expect(signed.manifest.key_id).toBe(logKey?.key_id);
        verifyExportManifest(signed, fromHex(logKey?.public_key ?? '') as Uint8Array, verifyEd25519Sodium);
        const exported = await get(`/v1/observer/export${range}`);
        const { start_sequence: start, end_sequence: end } = signed.manifest;
        expect(signed.manifest).toMatchObject({
          signer_id: LOG_SIGNER_ID,
          start_sequence: Number(exported.headers['x-archon72-start-sequence']),
          end_sequence: Number(exported.headers['x-archon72-end-sequence']),
          count: end - start + 1,
          first_prev_hash: stored[start - 1]?.prevHash,
          head_hash: stored[end - 1]?.contentHash,
          ndjson_sha256: sha256(exported.rawPayload),
          checkpoint: null,
        });
      }
    });

    it('fails verification when the manifest is altered', async () => {
      const keys = (await get('/v1/observer/keys')).json<PublicKeySet>();
      const publicKey = fromHex(keys.keys.find((k) => k.actor_id === LOG_SIGNER_ID)?.public_key ?? '') as Uint8Array;
      const signed = parseSignedExportManifest((await get('/v1/observer/export/manifest')).json());
      const altered = { ...signed, manifest: { ...signed.manifest, count: signed.manifest.count - 1, end_sequence: signed.manifest.end_sequence - 1 } };
      expect(() => verifyExportManifest(altered, publicKey, verifyEd25519Sodium)).toThrow(expect.objectContaining({ code: 'SIG_INVALID' }));
    });

    it('describes an empty range with count 0 and null hashes', async () => {
      const res = await get(`/v1/observer/export/manifest?start_sequence=${stored.length + 5}`);
      expect(res.statusCode).toBe(200);
      expect(parseSignedExportManifest(res.json()).manifest).toMatchObject({ count: 0, first_prev_hash: null, head_hash: null, ndjson_sha256: sha256('') });
    });

    it('cites the latest checkpoint when the checkpoint store has one', async () => {
      const checkpoint = { treeSize: 20, rootHash: Buffer.alloc(32, 7).toString('base64'), note: 'archon72.invalid/dev\n20\nBwcH\n\n— archon72.invalid/dev AAAA\n' };
      const withCheckpoint = await exportApp(stack, { latestCheckpoint: async () => checkpoint });
      try {
        const signed = parseSignedExportManifest((await withCheckpoint.inject({ url: '/v1/observer/export/manifest' })).json());
        expect(signed.manifest.checkpoint).toEqual({ tree_size: 20, root_hash: checkpoint.rootHash, note: checkpoint.note });
      } finally {
        await withCheckpoint.close();
      }
    });
  });

  describe('with bad parameters', () => {
    it.each([
      ['/v1/observer/export?start_sequence=5&end_sequence=4', 'end_sequence'],
      ['/v1/observer/export?end_sequence=999999', 'end_sequence'],
      ['/v1/observer/export/manifest?end_sequence=999999', 'end_sequence'],
      ['/v1/observer/export?start_sequence=0', 'start_sequence'],
      ['/v1/observer/export?start_sequence=1.5', 'start_sequence'],
      ['/v1/observer/export?format=xml', 'format'],
      ['/v1/observer/export/manifest?format=csv', 'format'],
      ['/v1/observer/export?end=3', 'end'],
    ])('%s answers 400 INPUT_FIELD_INVALID naming %s', async (url, field) => {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INPUT_FIELD_INVALID', details: { field } });
    });

    it('names the head when end_sequence lies beyond it', async () => {
      const res = await get('/v1/observer/export?end_sequence=999999');
      expect(res.json().error.details).toMatchObject({ head: stored.length });
    });
  });
});

describe('the manifest of a tampered store', () => {
  it('is refused (CHAIN_SEQUENCE_GAP) when a sequence of the range was deleted with the triggers off', async () => {
    const stack = await createTestStack();
    const app = await exportApp(stack);
    try {
      for (let i = 0; i < 4; i++) await stack.appender.append(await stack.submission());
      // A table owner can switch the append-only triggers off (PROTOCOL.md §8.3).
      await stack.client.query('ALTER TABLE events DISABLE TRIGGER USER');
      await stack.client.query('DELETE FROM events WHERE sequence = 2');
      const res = await app.inject({ url: '/v1/observer/export/manifest?start_sequence=1&end_sequence=4' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('CHAIN_SEQUENCE_GAP');
    } finally {
      await app.close();
      await stack.close();
    }
  }, 60_000);

  it('is refused (CUSTODY_KEY_NOT_FOUND) when SYSTEM:LOG has no open key', async () => {
    const stack = await createTestStack();
    const app = buildApp(
      {
        appender: stack.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => undefined,
        observer: { query: createPgEventQuery(stack.client), export: { store: stack.store, keys: stack.keys, custody: stack.custody, checkpoints: NO_CHECKPOINTS, clock: systemClock } },
      },
      { logLevel: 'silent' },
    );
    try {
      const res = await app.inject({ url: '/v1/observer/export/manifest' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('CUSTODY_KEY_NOT_FOUND');
    } finally {
      await app.close();
      await stack.close();
    }
  }, 60_000);
});

describe('exporting a large range', () => {
  const EVENTS = 20_000;
  let stack: TestStack;
  let app: FastifyInstance;
  let port: number;
  /** Events the export has read from the store so far: what it holds beyond what the client took is its memory. */
  let eventsRead = 0;

  beforeAll(async () => {
    stack = await createTestStack();
    const countingStore = {
      head: () => stack.store.head(),
      readRange: async (from: number, to: number, limit: number) => {
        const page = await stack.store.readRange(from, to, limit);
        eventsRead += page.length;
        return page;
      },
    };
    app = await exportApp(stack, NO_CHECKPOINTS, countingStore);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
    // 2 KB payloads: about 54 MB of NDJSON, 20 pages of EXPORT_PAGE_SIZE events.
    const filler = 'x'.repeat(2_000);
    for (let i = 0; i < EVENTS; i += 1000) {
      const submissions = await Promise.all(Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => stack.submission({ payload: { i: i + j, filler } })));
      await Promise.all(submissions.map((s) => stack.appender.append(s)));
    }
  }, 300_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  /** Resolves once `eventsRead` has not moved for `quietMs`: the export has stopped reading. */
  async function readingStopped(quietMs = 400): Promise<number> {
    for (let seen = -1; seen !== eventsRead; ) {
      seen = eventsRead;
      await new Promise((r) => setTimeout(r, quietMs));
    }
    return eventsRead;
  }

  /**
   * Downloads `path` over a real socket with a client that takes nothing for a while first: returns how many events
   * the server had read from the store while the client was stalled, then the whole body's size, lines and hash.
   */
  const stalledDownload = (path: string) =>
    new Promise<{ readWhileStalled: number; bytes: number; lines: number; sha256: string }>((resolve, reject) => {
      request(`http://127.0.0.1:${port}${path}`, { agent: false }, (res) => {
        res.pause();
        void readingStopped().then((readWhileStalled) => {
          const hash = createHash('sha256');
          let bytes = 0;
          let lines = 0;
          res.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            bytes += chunk.length;
            for (const b of chunk) if (b === 0x0a) lines++;
          });
          res.on('end', () => resolve({ readWhileStalled, bytes, lines, sha256: hash.digest('hex') }));
          res.on('error', reject);
          res.resume();
        });
      })
        .on('error', reject)
        .end();
    });

  it(`streams ${EVENTS} events with backpressure: a stalled client holds the store reads back, and the manifest hashes the same bytes`, async () => {
    // Memory is bounded when the server reads no further ahead of the client than its buffers: the export stream's
    // high-water mark, the socket's kernel buffers (a few MB on loopback) and the page being encoded. Counting the
    // events read is exact where a process's RSS is not (PGlite's heap and the garbage collector move it by tens of
    // MB). Buffering the range, the server would read all of it while the client is stalled.
    eventsRead = 0;
    const result = await stalledDownload('/v1/observer/export');
    const pages = (n: number) => Math.ceil(n / EXPORT_PAGE_SIZE);
    console.info(`observer-export: ${EVENTS} events (${Math.round(result.bytes / 1e5) / 10} MB of NDJSON); read ahead of a stalled client: ${result.readWhileStalled} events (${pages(result.readWhileStalled)} pages)`);
    expect(result.readWhileStalled).toBeGreaterThan(0);
    expect(pages(result.readWhileStalled)).toBeLessThanOrEqual(6);
    expect(result.lines).toBe(EVENTS);
    expect(eventsRead).toBe(EVENTS);
    expect(result.bytes).toBeGreaterThan(50e6);
    const manifest = (await app.inject({ url: '/v1/observer/export/manifest' })).json();
    expect(manifest.manifest).toMatchObject({ count: EVENTS, ndjson_sha256: result.sha256 });
  }, 120_000);
});
