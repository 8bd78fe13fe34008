import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createExportManifest, type ExportManifestDeps } from '../../../app/export/export-manifest.js';
import { exportChunks } from '../../../app/export/export-chunks.js';
import { resolveExportRange, type ExportRange } from '../../../app/export/export-range.js';
import { CSV_HEADER, csvRecord } from '../../../app/export/csv.js';
import { exportLine } from '../../../domain/export/export-line.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { exportQuerySchema, manifestQuerySchema, signedManifestSchema, type ExportQuery } from '../../schemas/observer-export.js';
import type { EventStore } from '../../../app/ports.js';

export interface ExportRoutesDeps extends ExportManifestDeps {
  store: Pick<EventStore, 'head' | 'readRange'>;
}

/** Bytes the export stream holds before it stops reading the store (about one page of events beyond it). */
const EXPORT_HIGH_WATER_MARK = 64 * 1024;

const FORMATS = {
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson', header: undefined, encode: exportLine },
  csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv', header: CSV_HEADER, encode: csvRecord },
} as const;

const errors = { 400: errorBodySchema, 429: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema };

/**
 * GET /v1/observer/export and GET /v1/observer/export/manifest. The export streams page by page with backpressure
 * (constant memory for any range); the manifest, a separate request rather than an HTTP trailer (which fetch and
 * most tools never show), commits to the exact NDJSON bytes of the same range and is signed by SYSTEM:LOG.
 */
export function registerExportRoutes(app: FastifyInstance, deps: ExportRoutesDeps): void {
  const rangeOf = async (query: { start_sequence: string; end_sequence?: string }): Promise<ExportRange> => {
    const head = (await deps.store.head())?.sequence ?? 0;
    return resolveExportRange(head, Number(query.start_sequence), query.end_sequence === undefined ? undefined : Number(query.end_sequence));
  };

  app.get('/v1/observer/export', {
    config: { expensive: true },
    schema: {
      tags: ['observer'],
      summary: 'Export a range of the log (NDJSON or CSV), streamed',
      description:
        'NDJSON: one line per event, the JCS text of its protocol JSON (PROTOCOL.md §17.1), exactly the bytes the manifest hashes. CSV: RFC 4180, ' +
        'a header line, payload as JCS text. The range answered is in X-Archon72-Start-Sequence / X-Archon72-End-Sequence: ask the manifest for the same.',
      querystring: exportQuerySchema,
      response: { 200: { description: 'application/x-ndjson or text/csv', type: 'string' }, ...errors },
    },
    handler: async (request, reply) => {
      const query = request.query as ExportQuery;
      const range = await rangeOf(query);
      const format = FORMATS[query.format];
      reply
        .header('content-type', format.contentType)
        .header('content-disposition', `attachment; filename="archon72-events-${range.start}-${range.end}.${format.extension}"`)
        .header('x-archon72-start-sequence', String(range.start))
        .header('x-archon72-end-sequence', String(range.end));
      // HEAD: the headers only (Fastify would otherwise read the whole range to discard it).
      if (request.method === 'HEAD') return reply.send();
      return reply.send(Readable.from(exportChunks(deps.store, range, format.encode, format.header), { objectMode: false, highWaterMark: EXPORT_HIGH_WATER_MARK }));
    },
  });

  app.get('/v1/observer/export/manifest', {
    config: { expensive: true },
    schema: {
      tags: ['observer'],
      summary: 'The signed manifest of an export range',
      description:
        'Range, count, first prev_hash, head hash, SHA-256 of the exact NDJSON export of the range and the latest checkpoint, signed by the log key ' +
        '(SYSTEM:LOG, in GET /v1/observer/keys) over "archon72/export-manifest/v1" || 0x00 || JCS(manifest) (PROTOCOL.md §17.2).',
      querystring: manifestQuerySchema,
      response: { 200: signedManifestSchema, ...errors },
    },
    handler: async (request) => createExportManifest(deps, await rangeOf(request.query as ExportQuery)),
  });
}
