import { describe, it, expect } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { buildVerificationSpec, VERIFICATION_SPEC_FORMAT } from '../../src/api/routes/observer/verification-spec.js';
import { contentHashObject, GENESIS_PREV_HASH, signedBodyObject } from '../../src/domain/chain/content-hash.js';
import { EXPORT_MANIFEST_DOMAIN, EXPORT_MANIFEST_FORMAT } from '../../src/domain/export/export-manifest.js';
import { MERKLE_LEAF_DOMAIN } from '../../src/domain/merkle/event-leaf.js';
import { KEEPER_STATEMENT_DOMAIN } from '../../src/domain/signing/keeper-statement.js';
import { SIGNATURE_DOMAINS } from '../../src/domain/signing/messages.js';
import { PUBLIC_KEY_SET_FORMAT } from '../../src/domain/signing/public-key-set.js';
import { WITNESS_SELECTION_DOMAIN } from '../../src/domain/witness/select-witness.js';
import { NOTE_SIGNATURE_TYPE } from '../../src/domain/note/signed-note.js';
import { createTestStack } from '../support/test-stack.js';

/** Every domain-separation prefix the protocol uses, as the domain code defines it. */
const DOMAIN_PREFIXES = {
  event_signature: SIGNATURE_DOMAINS.event,
  witness_attestation: SIGNATURE_DOMAINS.witness,
  witness_selection: WITNESS_SELECTION_DOMAIN,
  keeper_statement: KEEPER_STATEMENT_DOMAIN,
  merkle_leaf: MERKLE_LEAF_DOMAIN,
  export_manifest: EXPORT_MANIFEST_DOMAIN,
};

describe('the verification spec', () => {
  const spec = buildVerificationSpec();

  it('lists exactly the domain’s prefixes, each equal to the constant the domain signs with', () => {
    expect(spec.domain_prefixes).toEqual(DOMAIN_PREFIXES);
    for (const prefix of Object.values(spec.domain_prefixes)) expect(prefix).toMatch(/^archon72\/[a-z-]+\/v1$/);
  });

  it('quotes each prefix in the messages that use it', () => {
    expect(spec.event.agent_signature_message).toContain(`"${SIGNATURE_DOMAINS.event}"`);
    expect(spec.event.witness_signature_message).toContain(`"${SIGNATURE_DOMAINS.witness}"`);
    expect(spec.witness_selection.input).toContain(`"${WITNESS_SELECTION_DOMAIN}"`);
    expect(spec.merkle.leaf_input).toContain(`"${MERKLE_LEAF_DOMAIN}"`);
    expect(spec.export.manifest_message).toContain(`"${EXPORT_MANIFEST_DOMAIN}"`);
  });

  it('takes member lists, formats and constants from the domain', () => {
    const sample = { eventId: 'e', eventType: 't', payload: {}, agentId: 'a', signingKeyId: 'k', localTimestamp: 'l', signature: 's', sequence: 1, prevHash: 'p', authorityTimestamp: 'x' };
    expect(spec.event.signed_body_members).toEqual(Object.keys(signedBodyObject(sample)).sort());
    expect(spec.event.content_hash_members).toEqual(Object.keys(contentHashObject(sample)).sort());
    expect(spec.event.content_hash_members).toHaveLength(10);
    expect(spec.hash.genesis_prev_hash).toBe(GENESIS_PREV_HASH);
    expect(spec.export.manifest_format).toBe(EXPORT_MANIFEST_FORMAT);
    expect(spec.public_key_set.format).toBe(PUBLIC_KEY_SET_FORMAT);
    expect([spec.checkpoint.signature_type, spec.cosignature.signature_type]).toEqual([NOTE_SIGNATURE_TYPE.ed25519, NOTE_SIGNATURE_TYPE.cosignatureV1]);
    expect(spec.format).toBe(VERIFICATION_SPEC_FORMAT);
    expect(spec.protocol.version).toBe(1);
  });

  it('is served at GET /v1/observer/verification-spec', async () => {
    const stack = await createTestStack();
    const app = buildApp({ appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, observer: { query: createPgEventQuery(stack.client) } }, { logLevel: 'silent' });
    try {
      const res = await app.inject({ url: '/v1/observer/verification-spec' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(spec)));
    } finally {
      await app.close();
      await stack.close();
    }
  }, 60_000);
});
