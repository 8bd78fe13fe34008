import { readFileSync } from 'node:fs';
import { loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { DEFAULT_SESSION_RULES } from '../../../src/domain/deliberation/session-rules.js';
import { openingPayload } from '../../../src/domain/deliberation/session-opening.js';
import type { FastifyInstance } from 'fastify';

/** Valid inputs every parser's fuzzing starts from (then mutates): from test/vectors and from a served log. */
export interface ParserSeeds {
  submissions: unknown[];
  signedBodies: unknown[];
  eventLines: string[];
  keySets: unknown[];
  statements: unknown[];
  signedStatements: unknown[];
  manifests: unknown[];
  addCheckpointRequests: string[];
  treeSizeBodies: string[];
  signedNotes: string[];
  checkpointBodies: string[];
  cosignatures: Array<{ keyName: string; signatureB64: string }>;
  motions: unknown[];
  rosters: unknown[];
  openings: unknown[];
  inclusions: Array<{ index: number; treeSize: number; leafHashHex: string; rootHex: string; proofHex: string[] }>;
  consistencies: Array<{ fromSize: number; toSize: number; fromRootHex: string; toRootHex: string; proofHex: string[] }>;
  signatures: string[];
  modelReplies: string[];
}

type Vector = { input: Record<string, unknown> & { kind?: string }; expected?: Record<string, unknown> };

function vectors(name: string): Vector[] {
  return JSON.parse(readFileSync(new URL(`../../../test/vectors/${name}.json`, import.meta.url), 'utf8')) as Vector[];
}

const byKind = (list: Vector[], kind: string) => list.filter((v) => v.input.kind === kind);

async function getJson(app: FastifyInstance, url: string): Promise<unknown> {
  const res = await app.inject({ url });
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode} while collecting parser seeds`);
  return res.json();
}

/** Reads the seeds: protocol vectors (events, keeper statements, notes, proofs), the roster file, and `app`'s keys, export and manifest. */
export async function collectParserSeeds(app: FastifyInstance): Promise<ParserSeeds> {
  const chain = byKind(vectors('event-chain'), 'event');
  const keeper = vectors('keeper-statement');
  const merkle = vectors('merkle');
  const roster = loadRoster();
  const king = roster.archons.find((a) => a.rank === 'King')!;
  const seats = roster.archons.map((a) => ({ id: a.id, rank: a.rank }));
  const opening = { sessionId: 'session-0001', motion: { title: 'Publish the audit trail', text: 'Publish every audit record.', kind: 'policy' as const, proposer: king.id }, rules: { ...DEFAULT_SESSION_RULES }, seats, secretaries: [roster.secretaries[0].id, roster.secretaries[1].id] as [string, string], witness: seats.find((s) => s.rank === 'Knight')!.id, seed: 'seed-0001', provider: 'simulated' };
  const exportText = (await app.inject({ url: '/v1/observer/export?format=ndjson' })).body;
  const window = { issued_at: '2026-06-15T12:00:00.000000Z', expires_at: '2026-06-15T12:30:00.000000Z', nonce: '0123456789abcdef0123456789abcdef' };
  const haltStatements = [
    { type: 'halt.trigger', reason: 'fuzz', ...window },
    { type: 'halt.clear', ceremony_id: '018f3a00-0000-7000-8000-00000000c1ea', halt_sequence: 42, reason: 'fault investigated', ...window },
  ];
  return {
    submissions: chain.map((v) => ({ ...(v.input.body as object), signature: v.expected?.agentSignature })),
    signedBodies: chain.map((v) => v.input.body),
    eventLines: [...chain.map((v) => JSON.stringify(v.expected?.event)), ...exportText.split('\n').filter((l) => l.length > 0)],
    keySets: [await getJson(app, '/v1/observer/keys')],
    statements: [...byKind(keeper, 'statement').map((v) => v.input.statement), ...byKind(keeper, 'signed').map((v) => (v.input.document as { statement: unknown }).statement), ...haltStatements],
    signedStatements: byKind(keeper, 'signed').map((v) => v.input.document),
    manifests: [await getJson(app, '/v1/observer/export/manifest')],
    addCheckpointRequests: byKind(vectors('note-add-checkpoint'), 'request').map((v) => String(v.input.body)),
    treeSizeBodies: [...byKind(vectors('note-add-checkpoint'), 'size').map((v) => String(v.input.body ?? '0\n')), '20852163\n'],
    signedNotes: [...byKind(vectors('note-signed-note'), 'parse').map((v) => String(v.input.note)), ...byKind(vectors('note-checkpoint'), 'signed').map((v) => String(v.expected?.note ?? v.input.note ?? ''))].filter((s) => s.length > 0),
    checkpointBodies: [...byKind(vectors('note-checkpoint'), 'parse').map((v) => String(v.input.body)), ...byKind(vectors('note-checkpoint'), 'body').map((v) => String(v.expected?.body))],
    cosignatures: byKind(vectors('note-cosignature'), 'parse').map((v) => ({ keyName: String(v.input.keyName), signatureB64: String(v.input.signatureB64) })),
    motions: [{ title: 'Publish the audit trail', text: 'Publish every audit record.\nWithin a week.', kind: 'policy', proposer: king.id }, { title: 'Rotate keeper keys', text: 'Rotate all keeper keys yearly.', kind: 'procedural', submitted_by: 'KEEPER:alice' }],
    rosters: [JSON.parse(readFileSync(new URL('../../../data/conclave/roster.json', import.meta.url), 'utf8'))],
    openings: [openingPayload(opening)],
    inclusions: byKind(merkle, 'inclusion').map((v) => ({ index: Number(v.input.index), treeSize: Number(v.input.treeSize), leafHashHex: String(v.expected?.leafHashHex), rootHex: String(v.expected?.rootHex), proofHex: v.expected?.proofHex as string[] })),
    consistencies: byKind(merkle, 'consistency').map((v) => ({ fromSize: Number(v.input.fromSize), toSize: Number(v.input.toSize), fromRootHex: String(v.expected?.fromRootHex), toRootHex: String(v.expected?.toRootHex), proofHex: v.expected?.proofHex as string[] })),
    signatures: chain.map((v) => String(v.expected?.agentSignature)),
    modelReplies: ['I have considered the motion.\nSTANCE: FOR', 'STANCE: AGAINST', '{"choice":"AYE"}\nMy reason.', '{"choice":"NAY"}', 'SECOND', 'DECLINE', 'I second it.\nSECOND'],
  };
}
