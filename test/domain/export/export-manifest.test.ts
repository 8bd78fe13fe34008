import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { concatBytes, toBase64, utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError, SignatureError } from '../../../src/domain/errors.js';
import {
  EXPORT_MANIFEST_DOMAIN,
  EXPORT_MANIFEST_FORMAT,
  exportManifestMessage,
  parseSignedExportManifest,
  verifyExportManifest,
  type ExportManifest,
} from '../../../src/domain/export/export-manifest.js';
import { SIGNATURE_DOMAINS } from '../../../src/domain/signing/messages.js';
import { KEEPER_STATEMENT_DOMAIN } from '../../../src/domain/signing/keeper-statement.js';
import { expectCode } from '../../support/expect-code.js';

const pair = keyPairFromSeed(new Uint8Array(32).fill(0x4c));
const other = keyPairFromSeed(new Uint8Array(32).fill(0x4d));

const MANIFEST: ExportManifest = {
  format: EXPORT_MANIFEST_FORMAT,
  signer_id: 'SYSTEM:LOG',
  key_id: 'dev-0123456789abcdef',
  start_sequence: 3,
  end_sequence: 7,
  count: 5,
  first_prev_hash: 'a'.repeat(64),
  head_hash: 'b'.repeat(64),
  ndjson_sha256: 'c'.repeat(64),
  checkpoint: { tree_size: 7, root_hash: toBase64(new Uint8Array(32).fill(9)), note: 'origin\n7\nroot\n\n— origin sig\n' },
  generated_at: '2026-03-01T12:00:00.000000Z',
};

const signed = (manifest: ExportManifest = MANIFEST) => ({ manifest, signature: toBase64(signEd25519(pair.secretKey, exportManifestMessage(manifest))) });
/** The signed document as JSON, with `change` applied to a copy of its manifest. */
const docWith = (change: (m: Record<string, unknown>) => void) => {
  const doc = JSON.parse(JSON.stringify(signed())) as { manifest: Record<string, unknown>; signature: string };
  change(doc.manifest);
  return doc;
};

describe('exportManifestMessage', () => {
  it('is UTF8("archon72/export-manifest/v1") || 0x00 || UTF8(JCS(manifest))', () => {
    expect(exportManifestMessage(MANIFEST)).toEqual(concatBytes(utf8(EXPORT_MANIFEST_DOMAIN), new Uint8Array([0]), utf8(canonicalize(MANIFEST))));
  });

  it('does not depend on member order', () => {
    const reversed = Object.fromEntries(Object.entries(MANIFEST).reverse()) as unknown as ExportManifest;
    expect(exportManifestMessage(reversed)).toEqual(exportManifestMessage(MANIFEST));
  });

  it('has a prefix of its own, distinct from every other signature purpose', () => {
    expect([SIGNATURE_DOMAINS.event, SIGNATURE_DOMAINS.witness, KEEPER_STATEMENT_DOMAIN]).not.toContain(EXPORT_MANIFEST_DOMAIN);
  });
});

describe('parseSignedExportManifest and verifyExportManifest', () => {
  it('accept a manifest the log signed, parsed back from JSON', () => {
    const doc = parseSignedExportManifest(JSON.parse(JSON.stringify(signed())));
    expect(doc).toEqual(signed());
    verifyExportManifest(doc, pair.publicKey, verifyEd25519Sodium);
  });

  it('accept an empty range (count 0, null hashes) and a manifest without a checkpoint', () => {
    const empty: ExportManifest = { ...MANIFEST, start_sequence: 8, end_sequence: 7, count: 0, first_prev_hash: null, head_hash: null, checkpoint: null };
    verifyExportManifest(parseSignedExportManifest(JSON.parse(JSON.stringify(signed(empty)))), pair.publicKey, verifyEd25519Sodium);
  });

  describe('when the signature does not verify', () => {
    it.each([
      ['another key', () => verifyExportManifest(signed(), other.publicKey, verifyEd25519Sodium)],
      ['a changed member', () => verifyExportManifest({ ...signed(), manifest: { ...MANIFEST, ndjson_sha256: 'd'.repeat(64) } }, pair.publicKey, verifyEd25519Sodium)],
    ])('throws SIG_INVALID for %s', (_what, verify) => {
      expectCode(verify, SignatureError, 'SIG_INVALID');
    });

    it('throws SIG_MALFORMED for a signature that is not 64 bytes of base64', () => {
      expectCode(() => verifyExportManifest({ ...signed(), signature: 'AAAA' }, pair.publicKey, verifyEd25519Sodium), SignatureError, 'SIG_MALFORMED');
    });
  });

  describe('when the document is malformed', () => {
    const cases: Array<[string, unknown, string]> = [
      ['not an object', [], '$'],
      ['null', null, '$'],
      ['an extra member', { ...signed(), note: 'x' }, 'note'],
      ['no signature', { manifest: MANIFEST }, 'signature'],
      ['a signature that is not a string', { manifest: MANIFEST, signature: 5 }, 'signature'],
      ['a manifest that is not an object', { manifest: 'm', signature: 's' }, 'manifest'],
      ['another format', docWith((m) => (m.format = 'v2')), 'manifest.format'],
      ['an unknown manifest member', docWith((m) => (m.extra = 1)), 'manifest.extra'],
      ['a missing manifest member', docWith((m) => delete m.generated_at), 'manifest.generated_at'],
      ['a bad signer id', docWith((m) => (m.signer_id = 'has space')), 'manifest.signer_id'],
      ['a key id that is not a string', docWith((m) => (m.key_id = 7)), 'manifest.key_id'],
      ['a fractional count', docWith((m) => (m.count = 1.5)), 'manifest.count'],
      ['a negative end', docWith((m) => (m.end_sequence = -1)), 'manifest.end_sequence'],
      ['a start of 0', docWith((m) => ((m.start_sequence = 0), (m.end_sequence = 4))), 'manifest.start_sequence'],
      ['a count that disagrees with the range', docWith((m) => (m.count = 4)), 'manifest.count'],
      ['an end two before the start', docWith((m) => ((m.end_sequence = 1), (m.count = -1))), 'manifest.count'],
      ['an uppercase head hash', docWith((m) => (m.head_hash = 'B'.repeat(64))), 'manifest.head_hash'],
      ['a null first prev hash in a non-empty range', docWith((m) => (m.first_prev_hash = null)), 'manifest.first_prev_hash'],
      ['a hash in an empty range', docWith((m) => ((m.end_sequence = 2), (m.count = 0), (m.first_prev_hash = null))), 'manifest.head_hash'],
      ['a short ndjson hash', docWith((m) => (m.ndjson_sha256 = 'c'.repeat(63))), 'manifest.ndjson_sha256'],
      ['an ndjson hash that is not a string', docWith((m) => (m.ndjson_sha256 = null)), 'manifest.ndjson_sha256'],
      ['a checkpoint that is not an object', docWith((m) => (m.checkpoint = 'cp')), 'manifest.checkpoint'],
      ['a checkpoint with a bad tree size', docWith((m) => ((m.checkpoint as Record<string, unknown>).tree_size = -1)), 'manifest.checkpoint.tree_size'],
      ['a checkpoint with a hex root', docWith((m) => ((m.checkpoint as Record<string, unknown>).root_hash = 'a'.repeat(64))), 'manifest.checkpoint.root_hash'],
      ['a checkpoint with an empty note', docWith((m) => ((m.checkpoint as Record<string, unknown>).note = '')), 'manifest.checkpoint.note'],
      ['a checkpoint missing a member', docWith((m) => delete (m.checkpoint as Record<string, unknown>).note), 'manifest.checkpoint.note'],
      ['a generated_at that is not canonical', docWith((m) => (m.generated_at = '2026-03-01T12:00:00Z')), 'manifest.generated_at'],
      ['a generated_at that is not a string', docWith((m) => (m.generated_at = 0)), 'manifest.generated_at'],
    ];
    it.each(cases)('refuses %s with INPUT_FIELD_INVALID naming the member', (_what, input, field) => {
      const err = expectCode(() => parseSignedExportManifest(input), InputError, 'INPUT_FIELD_INVALID');
      expect(err.details).toEqual({ field });
    });
  });
});
