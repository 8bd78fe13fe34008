import { SEQUENCE } from './observer.js';

/** Query of GET /v1/observer/export. */
export const exportQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: ['ndjson', 'csv'], default: 'ndjson', description: 'ndjson: one JCS line per event (what the manifest hashes); csv: RFC 4180 with a header, payload as JCS text.' },
    start_sequence: { type: 'string', pattern: SEQUENCE, default: '1', description: 'First sequence (≥ 1).' },
    end_sequence: { type: 'string', pattern: SEQUENCE, description: 'Last sequence, at most the chain head (default: the head when the request arrives).' },
  },
} as const;

/** Query of GET /v1/observer/export/manifest. */
export const manifestQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    start_sequence: exportQuerySchema.properties.start_sequence,
    end_sequence: exportQuerySchema.properties.end_sequence,
  },
} as const;

/** The export query as it arrives, after validation (defaults filled in). */
export interface ExportQuery {
  format: 'ndjson' | 'csv';
  start_sequence: string;
  end_sequence?: string;
}

const HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const NULLABLE_HASH = { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' } as const;

/** A signed export manifest (docs/PROTOCOL.md §17.2). Doubles as the output whitelist. */
export const signedManifestSchema = {
  type: 'object',
  required: ['manifest', 'signature'],
  properties: {
    manifest: {
      type: 'object',
      required: ['format', 'signer_id', 'key_id', 'start_sequence', 'end_sequence', 'count', 'first_prev_hash', 'head_hash', 'ndjson_sha256', 'checkpoint', 'generated_at'],
      properties: {
        format: { type: 'string' },
        signer_id: { type: 'string' },
        key_id: { type: 'string' },
        start_sequence: { type: 'integer' },
        end_sequence: { type: 'integer' },
        count: { type: 'integer' },
        first_prev_hash: NULLABLE_HASH,
        head_hash: NULLABLE_HASH,
        ndjson_sha256: HASH,
        checkpoint: {
          type: ['object', 'null'],
          required: ['tree_size', 'root_hash', 'note'],
          properties: { tree_size: { type: 'integer' }, root_hash: { type: 'string' }, note: { type: 'string' } },
        },
        generated_at: { type: 'string' },
      },
    },
    signature: { type: 'string', description: 'Ed25519 by the manifest’s key_id over "archon72/export-manifest/v1" || 0x00 || JCS(manifest), padded base64.' },
  },
} as const;
