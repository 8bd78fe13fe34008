import { contentHashObject, GENESIS_PREV_HASH, signedBodyObject } from '../../../domain/chain/content-hash.js';
import { EXPORT_MANIFEST_DOMAIN, EXPORT_MANIFEST_FORMAT } from '../../../domain/export/export-manifest.js';
import { MERKLE_LEAF_DOMAIN } from '../../../domain/merkle/event-leaf.js';
import { MAX_NOTE_SIGNATURES, NOTE_SIGNATURE_PREFIX, NOTE_SIGNATURE_TYPE } from '../../../domain/note/signed-note.js';
import { KEEPER_STATEMENT_DOMAIN } from '../../../domain/signing/keeper-statement.js';
import { SIGNATURE_DOMAINS } from '../../../domain/signing/messages.js';
import { PUBLIC_KEY_SET_FORMAT } from '../../../domain/signing/public-key-set.js';
import { WITNESS_SELECTION_DOMAIN } from '../../../domain/witness/select-witness.js';
import type { PlacedEvent } from '../../../domain/chain/event.types.js';

/** Format tag of the verification spec document. */
export const VERIFICATION_SPEC_FORMAT = 'archon72-verification-spec/v1';

/** A placeholder event, only to read the member names the domain hashes and signs (never hashed). */
const SAMPLE: Omit<PlacedEvent, 'contentHash'> = {
  eventId: '', eventType: '', payload: {}, agentId: '', signingKeyId: '', localTimestamp: '', signature: '', sequence: 0, prevHash: '', authorityTimestamp: '',
};

/**
 * The machine-readable summary of docs/PROTOCOL.md served at GET /v1/observer/verification-spec: everything an
 * independent verifier must reproduce byte for byte. Every prefix, format tag and member list comes from the domain
 * code that uses it (never a second copy); the prose describes the rules around them, with the PROTOCOL.md section.
 */
export function buildVerificationSpec() {
  return {
    format: VERIFICATION_SPEC_FORMAT,
    protocol: { name: 'archon72 event log protocol', version: 1, document: 'docs/PROTOCOL.md' },
    notation: { concatenation: '||', separator: '0x00 (one zero byte)', text_encoding: 'UTF-8', hex: 'lowercase' },
    domain_prefixes: {
      event_signature: SIGNATURE_DOMAINS.event,
      witness_attestation: SIGNATURE_DOMAINS.witness,
      witness_selection: WITNESS_SELECTION_DOMAIN,
      keeper_statement: KEEPER_STATEMENT_DOMAIN,
      merkle_leaf: MERKLE_LEAF_DOMAIN,
      export_manifest: EXPORT_MANIFEST_DOMAIN,
    },
    hash: { algorithm: 'SHA-256', standard: 'FIPS 180-4', encoding: '64 lowercase hex digits', genesis_prev_hash: GENESIS_PREV_HASH },
    signature: {
      algorithm: 'Ed25519',
      variant: 'pure Ed25519, RFC 8032 §5.1 (no context, no prehash)',
      public_key_bytes: 32,
      signature_bytes: 64,
      encoding: 'padded standard base64 (RFC 4648 §4), canonical (re-encoding gives the same text), 88 characters',
      strict_rules: [
        'signature exactly 64 bytes and public key exactly 32 bytes',
        'S canonical: S < L = 2^252 + 27742317777372353535851937790883648493',
        'A and R canonical encodings (y < 2^255 - 19); no ZIP-215 leniency',
        'neither A nor R of small order',
        'cofactorless equation: encoding of [S]B - [k]A equals R byte for byte, k = SHA-512(R || A || message) mod L',
      ],
      section: '§5.2',
    },
    canonical_json: { scheme: 'JCS, RFC 8785', input: 'I-JSON (RFC 7493); lone surrogates and non-finite numbers refused', section: '§11' },
    timestamp: { format: 'YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC, exactly six fractional digits)', comparison: 'as strings', section: '§2.3' },
    event: {
      signed_body_members: Object.keys(signedBodyObject(SAMPLE)).sort(),
      agent_signature_message: `UTF8("${SIGNATURE_DOMAINS.event}") || 0x00 || UTF8(JCS(signed body))`,
      content_hash_members: Object.keys(contentHashObject(SAMPLE)).sort(),
      content_hash: 'hex(SHA-256(UTF8(JCS(object of content_hash_members)))); no domain prefix; sequence is a JSON number',
      witness_signature_message: `UTF8("${SIGNATURE_DOMAINS.witness}") || 0x00 || bytes(content_hash) (32 raw bytes)`,
      not_hashed: ['content_hash', 'witness_id', 'witness_signature'],
      section: '§2–§5',
    },
    witness_selection: {
      input: `UTF8("${WITNESS_SELECTION_DOMAIN}") || 0x00 || bytes(prev_hash) (32 raw bytes) || uint64_be(sequence)`,
      index: 'uint64_be(SHA-256(input)[0..8]) mod len(pool)',
      pool: 'distinct agent_id of agent_keys rows with a well-formed witness id (^WITNESS:[A-Za-z0-9][A-Za-z0-9_.\\-]*$) and a key active at authority_timestamp, minus the event agent_id, sorted by UTF-16 code units',
      section: '§6',
    },
    key_validity: { rule: 'active_from <= t AND (active_until IS NULL OR t < active_until)', t: 'the event authority_timestamp', section: '§7.3' },
    verification_steps: [
      'link: sequence = prev.sequence + 1 (1 at genesis), prev_hash = prev.content_hash (64 zeros at genesis), authority_timestamp >= prev.authority_timestamp',
      'content_hash recomputed and equal',
      'agent key registered, owned by agent_id, active at authority_timestamp',
      'agent signature verifies',
      'witness_id equals the selected witness',
      'the witness has a key active at authority_timestamp',
      'witness signature verifies with one of its keys active at authority_timestamp',
    ],
    merkle: {
      standard: 'RFC 6962 / RFC 9162',
      leaf_index: 'sequence - 1; the tree of size n covers sequences 1..n',
      leaf_input: `UTF8("${MERKLE_LEAF_DOMAIN}") || 0x00 || bytes(content_hash) (32) || bytes(witness_signature) (64, base64-decoded) || UTF8(witness_id)`,
      leaf_hash: 'SHA-256(0x00 || leaf input)',
      node_hash: 'SHA-256(0x01 || left || right)',
      empty_root: 'SHA-256("")',
      section: '§15',
    },
    checkpoint: {
      standard: 'C2SP tlog-checkpoint, signed-note',
      body: '<origin>\\n<tree size, decimal>\\n<root hash, padded standard base64>\\n',
      signature_line_prefix: NOTE_SIGNATURE_PREFIX,
      signature_line: '<prefix><key name = origin> base64(key ID (4 bytes) || Ed25519 signature over the note body (64 bytes))',
      key_id: `SHA-256(key name || 0x0A || ${hexByte(NOTE_SIGNATURE_TYPE.ed25519)} || public key)[0..4]`,
      signature_type: NOTE_SIGNATURE_TYPE.ed25519,
      max_signature_lines: MAX_NOTE_SIGNATURES,
      signer: 'SYSTEM:LOG (its public key is in GET /v1/observer/keys)',
      section: '§16',
    },
    cosignature: {
      standard: 'C2SP tlog-cosignature v1, tlog-witness',
      signature_line: '<prefix><cosigner name> base64(key ID (4) || timestamp (8, uint64 big-endian seconds) || Ed25519 signature (64))',
      key_id: `SHA-256(cosigner name || 0x0A || ${hexByte(NOTE_SIGNATURE_TYPE.cosignatureV1)} || public key)[0..4]`,
      signature_type: NOTE_SIGNATURE_TYPE.cosignatureV1,
      signed_message: '"cosignature/v1\\ntime <timestamp>\\n" || checkpoint note body',
      witnessed: 'a checkpoint with valid cosignatures from at least the configured quorum of cosigners (never fewer than 2)',
      section: '§16',
    },
    export: {
      ndjson_line: 'UTF8(JCS(event protocol JSON)) || 0x0A, one per event, ascending sequence',
      manifest_format: EXPORT_MANIFEST_FORMAT,
      manifest_message: `UTF8("${EXPORT_MANIFEST_DOMAIN}") || 0x00 || UTF8(JCS(manifest))`,
      manifest_signer: 'SYSTEM:LOG',
      section: '§17',
    },
    public_key_set: { format: PUBLIC_KEY_SET_FORMAT, section: '§9.3' },
    endpoints: {
      events: '/v1/observer/events',
      stream: '/v1/observer/events/stream',
      keys: '/v1/observer/keys',
      verify_chain: '/v1/observer/verify-chain',
      export: '/v1/observer/export',
      export_manifest: '/v1/observer/export/manifest',
    },
  };
}

function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
