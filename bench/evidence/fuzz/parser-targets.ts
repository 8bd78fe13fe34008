import fc from 'fast-check';
import { parseSignedBody, parseSubmission } from '../../../src/domain/chain/validate-submission.js';
import { parseEventLine } from '../../../src/domain/chain/parse-event-line.js';
import { parsePublicKeySet } from '../../../src/domain/signing/public-key-set.js';
import { parseKeeperStatement, parseSignedStatement } from '../../../src/domain/signing/keeper-statement.js';
import { parseHaltClearStatement, parseHaltTriggerStatement } from '../../../src/domain/halt/halt-statements.js';
import { parseSignedExportManifest } from '../../../src/domain/export/export-manifest.js';
import { parseAddCheckpointRequest, parseTreeSizeBody } from '../../../src/domain/note/add-checkpoint-request.js';
import { parseSignedNote } from '../../../src/domain/note/signed-note.js';
import { parseCheckpointBody } from '../../../src/domain/note/checkpoint-note.js';
import { parseCosignature } from '../../../src/domain/note/cosignature.js';
import { parsePinnedCheckpoint } from '../../../src/app/offline-verify/pinned-checkpoint.js';
import { parseMotion } from '../../../src/domain/deliberation/motion.js';
import { parseRoster } from '../../../src/domain/deliberation/roster.js';
import { parseOpening } from '../../../src/domain/deliberation/session-opening.js';
import { parseSecond, parseStance, parseVote } from '../../../src/domain/deliberation/parse-reply.js';
import { verifyInclusion } from '../../../src/domain/merkle/inclusion-proof.js';
import { verifyConsistency } from '../../../src/domain/merkle/consistency-proof.js';
import { parseJsonBytes } from '../../../src/domain/encoding/parse-json.js';
import { decodeSignature } from '../../../src/domain/signing/verify-signatures.js';
import { fromBase64, fromHex } from '../../../src/domain/encoding/bytes.js';
import { mutatedBytes, mutatedJson, mutatedText } from './mutate.js';
import type { ParserSeeds } from './parser-seeds.js';

/** One parser under fuzzing: what it reads, the inputs, and the call. */
export interface ParserTarget {
  /** The function(s) called, as in src. */
  name: string;
  /** The input it reads in the system (who controls it). */
  reads: string;
  input: fc.Arbitrary<unknown>;
  run(input: unknown): unknown;
}

/** June 2026: inside the halt statements' issued_at..expires_at of the seeds. */
const NOW_MS = Date.parse('2026-06-15T12:10:00Z');

const hex = (text: string) => fromHex(text) ?? new Uint8Array();
/** 0–40 random bytes or a 32-byte hash: hashes of every length the verifier may be handed. */
const hashBytes = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }));
const size = fc.oneof(fc.nat({ max: 70 }), fc.integer(), fc.constantFrom(2 ** 53, 2 ** 53 - 1, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY));

function inclusionInput(seeds: ParserSeeds['inclusions']): fc.Arbitrary<unknown> {
  const seeded = fc.tuple(fc.constantFrom(...seeds), fc.nat({ max: 4 }), size, hashBytes, fc.nat()).map(([s, which, n, bytes, at]) => {
    const proof = s.proofHex.map(hex);
    const v = { index: s.index, treeSize: s.treeSize, leafHash: hex(s.leafHashHex), proof, root: hex(s.rootHex) };
    if (which === 0) v.index = n;
    else if (which === 1) v.treeSize = n;
    else if (which === 2) v.leafHash = bytes;
    else if (which === 3) proof.length === 0 || at % 2 === 0 ? proof.push(bytes) : proof.splice(at % proof.length, 1, bytes);
    else v.root = bytes;
    return v;
  });
  return fc.oneof(seeded, fc.record({ index: size, treeSize: size, leafHash: hashBytes, proof: fc.array(hashBytes, { maxLength: 70 }), root: hashBytes }));
}

function consistencyInput(seeds: ParserSeeds['consistencies']): fc.Arbitrary<unknown> {
  const seeded = fc.tuple(fc.constantFrom(...seeds), fc.nat({ max: 4 }), size, hashBytes, fc.nat()).map(([s, which, n, bytes, at]) => {
    const proof = s.proofHex.map(hex);
    const v = { fromSize: s.fromSize, toSize: s.toSize, proof, fromRoot: hex(s.fromRootHex), toRoot: hex(s.toRootHex) };
    if (which === 0) v.fromSize = n;
    else if (which === 1) v.toSize = n;
    else if (which === 2) v.fromRoot = bytes;
    else if (which === 3) proof.length === 0 || at % 2 === 0 ? proof.push(bytes) : proof.splice(at % proof.length, 1, bytes);
    else v.toRoot = bytes;
    return v;
  });
  return fc.oneof(seeded, fc.record({ fromSize: size, toSize: size, proof: fc.array(hashBytes, { maxLength: 70 }), fromRoot: hashBytes, toRoot: hashBytes }));
}

function cosignatureInput(seeds: ParserSeeds['cosignatures']): fc.Arbitrary<unknown> {
  const decoded = seeds.map((s) => fromBase64(s.signatureB64) ?? new Uint8Array());
  const seeded = fc.tuple(fc.constantFrom(...decoded), fc.nat(), fc.nat({ max: 90 }), fc.uint8Array({ maxLength: 8 })).map(([bytes, at, cut, extra]) => {
    const b = Uint8Array.from(bytes);
    if (b.length > 0) b[at % b.length] = (b[at % b.length] ?? 0) ^ (1 << (at % 8));
    const joined = at % 3 === 0 ? b.slice(0, cut) : at % 3 === 1 ? new Uint8Array([...b, ...extra]) : b;
    return { keyName: 'witness.example.com/w1', keyId: joined.slice(0, 4), signature: joined.slice(4) };
  });
  return fc.oneof(seeded, fc.record({ keyName: fc.string(), keyId: fc.uint8Array({ maxLength: 6 }), signature: fc.uint8Array({ maxLength: 100 }) }));
}

/** Every parser of outside input (src/domain, plus the offline verifier's pinned checkpoint), with its inputs. */
export function parserTargets(seeds: ParserSeeds): ParserTarget[] {
  const statement = mutatedJson(seeds.statements);
  return [
    { name: 'parseSubmission', reads: 'POST /v1/events and /v1/events/batch bodies (agents)', input: mutatedJson(seeds.submissions), run: (i) => parseSubmission(i) },
    { name: 'parseSignedBody', reads: 'the signed body of a submission (agents, CLI)', input: mutatedJson(seeds.signedBodies), run: (i) => parseSignedBody(i) },
    { name: 'parseEventLine', reads: 'NDJSON export lines given to `archon72 verify` (anyone)', input: fc.oneof(mutatedText(seeds.eventLines), mutatedBytes(seeds.eventLines)), run: (i) => parseEventLine(i as string | Uint8Array, 1) },
    { name: 'parsePublicKeySet', reads: 'keys documents (GET /v1/observer/keys, `archon72 verify --keys`)', input: mutatedJson(seeds.keySets), run: (i) => parsePublicKeySet(i) },
    { name: 'parseKeeperStatement', reads: 'keeper statements (POST /v1/halt, ceremonies, registration)', input: statement, run: (i) => parseKeeperStatement(i) },
    { name: 'parseSignedStatement', reads: 'signed keeper statement documents', input: mutatedJson(seeds.signedStatements), run: (i) => parseSignedStatement(i) },
    { name: 'parseHaltTriggerStatement', reads: 'a keeper\'s halt.trigger statement (after parseKeeperStatement)', input: statement, run: (i) => parseHaltTriggerStatement(parseKeeperStatement(i), NOW_MS) },
    { name: 'parseHaltClearStatement', reads: 'a halt.clear statement (after parseKeeperStatement)', input: statement, run: (i) => parseHaltClearStatement(parseKeeperStatement(i), NOW_MS) },
    { name: 'parseSignedExportManifest', reads: 'export manifests (GET /v1/observer/export/manifest, `archon72 verify`)', input: mutatedJson(seeds.manifests), run: (i) => parseSignedExportManifest(i) },
    { name: 'parseAddCheckpointRequest', reads: 'add-checkpoint request bodies (`archon72 witness serve`, from logs)', input: mutatedText(seeds.addCheckpointRequests), run: (i) => parseAddCheckpointRequest(i as string) },
    { name: 'parseTreeSizeBody', reads: 'a cosigner\'s 409 body (witnesses)', input: mutatedText(seeds.treeSizeBodies), run: (i) => parseTreeSizeBody(i as string) },
    { name: 'parseSignedNote', reads: 'signed notes: checkpoints, cosigned checkpoints (peers)', input: mutatedText(seeds.signedNotes), run: (i) => parseSignedNote(i as string) },
    { name: 'parseCheckpointBody', reads: 'checkpoint note text (peers)', input: mutatedText(seeds.checkpointBodies), run: (i) => parseCheckpointBody(i as string) },
    { name: 'parseCosignature', reads: 'cosignature lines (witnesses)', input: cosignatureInput(seeds.cosignatures), run: (i) => parseCosignature(i as Parameters<typeof parseCosignature>[0]) },
    { name: 'parsePinnedCheckpoint', reads: 'pinned checkpoints given to `archon72 verify --checkpoint`', input: mutatedText(seeds.signedNotes), run: (i) => parsePinnedCheckpoint(i as string, 'fuzz') },
    { name: 'verifyInclusion', reads: 'inclusion proofs (GET /v1/observer/proofs/inclusion, verifiers)', input: inclusionInput(seeds.inclusions), run: (i) => { const v = i as { index: number; treeSize: number; leafHash: Uint8Array; proof: Uint8Array[]; root: Uint8Array }; return verifyInclusion(v.index, v.treeSize, v.leafHash, v.proof, v.root); } },
    { name: 'verifyConsistency', reads: 'consistency proofs (GET /v1/observer/proofs/consistency, cosigners)', input: consistencyInput(seeds.consistencies), run: (i) => { const v = i as { fromSize: number; toSize: number; proof: Uint8Array[]; fromRoot: Uint8Array; toRoot: Uint8Array }; return verifyConsistency(v.fromSize, v.toSize, v.proof, v.fromRoot, v.toRoot); } },
    { name: 'parseMotion', reads: 'motion files (`archon72 conclave run --motion`) and POST /v1/conclave/sessions', input: mutatedJson(seeds.motions), run: (i) => parseMotion(i) },
    { name: 'parseRoster', reads: 'the roster file (data/conclave/roster.json or --roster)', input: mutatedJson(seeds.rosters), run: (i) => parseRoster(i) },
    { name: 'parseOpening', reads: 'a stored conclave.session_opened payload (replay)', input: mutatedJson(seeds.openings).filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)), run: (i) => parseOpening(i as Record<string, unknown>) },
    { name: 'parseStance, parseVote, parseSecond', reads: 'model replies (language-model providers)', input: mutatedText(seeds.modelReplies), run: (i) => [parseStance(i as string), parseVote(i as string), parseSecond(i as string)] },
    { name: 'parseJsonBytes', reads: 'request bodies and files as bytes', input: mutatedBytes(seeds.eventLines), run: (i) => parseJsonBytes(i as Uint8Array, 'fuzz') },
    { name: 'decodeSignature', reads: 'base64 signatures in submissions and rows', input: mutatedText(seeds.signatures), run: (i) => decodeSignature(i as string, 'signature') },
  ];
}
