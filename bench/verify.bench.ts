/**
 * `npm run bench:verify`: events/s verified offline by `archon72 verify`'s own code, hashes-only and with every
 * signature, on a generated log of 100,000 events. It runs the built code the CLI runs (dist/: runOfflineVerify, in
 * this process, with its worker threads on dist/'s verify-worker.js), so the script builds first.
 *
 * The log is made with the domain functions the appender uses (signed bodies, placeEvent, witness selection over a
 * 12-witness pool, witness attestations, the Merkle tree), signed with raw libsodium keys (no database), written as
 * an NDJSON export with its keys document and one checkpoint signed by the log key and two cosigners, in a
 * temporary directory. Every run must verify (exit 1 otherwise): the figures are for complete verifications.
 * Options: `-- --events 100000 --rounds 3 --workers 2,1,0 --agents 32 --profile --out bench/results/verify-latest.json`
 * (--workers: the thread counts to compare, default every core, 1 and 0; --profile adds a CPU profile of an inline run).
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { keyPairFromSeed, signEd25519 } from '../src/adapters/crypto/sodium-ed25519.js';
import type { OfflineVerifyReport } from '../src/app/offline-verify/offline-verify.js';
import { LOG_SIGNER_ID } from '../src/app/provision-keys.js';
import { placeEvent } from '../src/domain/chain/place-event.js';
import { GENESIS_PREV_HASH } from '../src/domain/chain/content-hash.js';
import { exportLine } from '../src/domain/export/export-line.js';
import { toCanonicalTimestamp } from '../src/domain/chain/timestamp.js';
import { toBase64, toHex, utf8 } from '../src/domain/encoding/bytes.js';
import { eventSignatureMessage, witnessSignatureMessage } from '../src/domain/signing/messages.js';
import { Keyring } from '../src/domain/signing/keyring.js';
import { buildPublicKeySet, parsePublicKeySet } from '../src/domain/signing/public-key-set.js';
import { selectWitness } from '../src/domain/witness/select-witness.js';
import { eventLeafHash } from '../src/domain/merkle/event-leaf.js';
import { CompactRange } from '../src/domain/merkle/compact-range.js';
import { checkpointBody, logKeyId, signatureLine } from '../src/domain/note/checkpoint-note.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage, type CosignerKey } from '../src/domain/note/cosignature.js';
import { formatSignedNote } from '../src/domain/note/signed-note.js';
import { collectMachineInfo } from './machine-info.js';
import { CpuMeter, waitForQuietMachine } from './cpu-usage.js';
import { DEFAULT_PG_ADMIN_URL } from './bench-options.js';
import { formatNumber, formatTable } from './format-table.js';
import { startCpuProfile, summariseProfile } from './cpu-profile.js';
import type { PublicKeyRecord } from '../src/domain/signing/key.types.js';
import type { StoredEvent } from '../src/domain/chain/event.types.js';

// The code under measurement: the build the CLI runs (typed by its sources).
const DIST = new URL('../dist/src/', import.meta.url);
const distModule = async <T>(path: string): Promise<T> => (await import(new URL(path, DIST).href)) as T;
const { runOfflineVerify } = await distModule<typeof import('../src/app/offline-verify/offline-verify.js')>('app/offline-verify/offline-verify.js');
const { parsePinnedCheckpoint } = await distModule<typeof import('../src/app/offline-verify/pinned-checkpoint.js')>('app/offline-verify/pinned-checkpoint.js');
const { createFileVerifySource } = await distModule<typeof import('../src/adapters/verify-source/file-verify-source.js')>('adapters/verify-source/file-verify-source.js');
const { verifyEd25519Sodium: distVerify } = await distModule<typeof import('../src/adapters/crypto/sodium-ed25519.js')>('adapters/crypto/sodium-ed25519.js');
const SODIUM_MODULE = { url: new URL('adapters/crypto/sodium-ed25519.js', DIST).href, exportName: 'verifyEd25519Sodium' };
const NODE_SHA256_MODULE = { url: new URL('adapters/crypto/node-sha256.js', DIST).href, exportName: 'nodeSha256' };
// As the CLI's entry does: the built domain hashes with Node's native SHA-256, here and in the workers.
(await distModule<typeof import('../src/adapters/crypto/node-sha256.js')>('adapters/crypto/node-sha256.js')).useNodeSha256();

const ORIGIN = 'archon72.invalid/bench';
const ACTIVE_FROM = '2026-01-01T00:00:00.000000Z';
/** The brief's targets, on 2 cores. */
const TARGETS = { 'hashes-only': 200_000, signatures: 8_000 } as const;

interface Options {
  events: number;
  rounds: number;
  workers: number[];
  agents: number;
  profile: boolean;
  out: string;
}

interface Signer {
  record: PublicKeyRecord;
  secretKey: Buffer;
}

interface GeneratedLog {
  dir: string;
  exportPath: string;
  bytes: number;
  keys: PublicKeyRecord[];
  checkpointText: string;
  cosigners: CosignerKey[];
  seconds: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      rounds: { type: 'string' },
      workers: { type: 'string' },
      agents: { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const int = (text: string | undefined, fallback: number, min: number) => {
    const n = text === undefined ? fallback : Number(text.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`expected a whole number ≥ ${min}, got ${text}`);
    return n;
  };
  return {
    events: int(values.events, 100_000, 1),
    rounds: int(values.rounds, 3, 1),
    // Default: every core, then one worker thread, then none (the main thread alone), for comparison.
    workers: [...new Set((values.workers ?? `${availableParallelism()},1,0`).split(',').map((w) => int(w, 0, 0)))],
    agents: int(values.agents, 32, 1),
    profile: values.profile === true,
    out: values.out ?? 'bench/results/verify-latest.json',
  };
}

let seedCounter = 0;
/** A fresh key pair registered for `agentId` (seeded deterministically: the log is a fixture, not a secret). */
function newSigner(agentId: string): Signer {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, ++seedCounter);
  const { publicKey, secretKey } = keyPairFromSeed(seed);
  return { record: { agentId, keyId: `bench-${toHex(publicKey).slice(0, 16)}`, publicKey, activeFrom: ACTIVE_FROM, activeUntil: undefined }, secretKey };
}

/** About 300 canonical payload bytes, like bench-agents' deliberation-sized events. */
function payloadOf(n: number) {
  return {
    n,
    motion: { id: `M-${n % 997}`, title: 'Adopt the quarterly witness rotation schedule', seconded: true },
    votes: { aye: 41, nay: 19, abstain: 12 },
    note: 'Recorded by the verify benchmark; the text is filler of realistic length.',
  };
}

/**
 * Generates the log as the appender would store it, one batch of 100 events per authority millisecond, and writes
 * the export, the keys document's records and a checkpoint at the last event (signed by SYSTEM:LOG, cosigned by two).
 */
function generateLog(options: Options): GeneratedLog {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'archon72-bench-verify-'));
  const agents = Array.from({ length: options.agents }, () => newSigner(`agent-${randomUUID()}`));
  const witnesses = Array.from({ length: 12 }, (_, i) => newSigner(`WITNESS:bench-${String(i + 1).padStart(2, '0')}`));
  const log = newSigner(LOG_SIGNER_ID);
  const keys = [...agents, ...witnesses, log].map((s) => s.record);
  const keyring = new Keyring(keys);
  const witnessSecrets = new Map(witnesses.map((w) => [w.record.agentId, w.secretKey]));
  const exportPath = join(dir, 'export.ndjson');
  const fd = openSync(exportPath, 'w');
  const tree = CompactRange.empty();
  let head = { sequence: 0, contentHash: GENESIS_PREV_HASH };
  let lines = '';
  const base = Date.parse(ACTIVE_FROM) + 60_000;
  for (let n = 0; n < options.events; n++) {
    const agent = agents[n % agents.length] as Signer;
    const time = toCanonicalTimestamp(new Date(base + Math.floor(n / 100)));
    const body = { eventId: randomUUID(), eventType: 'bench.motion_recorded', payload: payloadOf(n), agentId: agent.record.agentId, signingKeyId: agent.record.keyId, localTimestamp: time };
    const submission = { ...body, signature: toBase64(signEd25519(agent.secretKey, eventSignatureMessage(body))) };
    const placed = placeEvent(head, submission, time);
    const witnessId = selectWitness(keyring.witnessPoolAt(time, agent.record.agentId), placed.prevHash, placed.sequence);
    const witnessSignature = toBase64(signEd25519(witnessSecrets.get(witnessId) as Buffer, witnessSignatureMessage(placed.contentHash)));
    const event: StoredEvent = { ...placed, witnessId, witnessSignature };
    tree.append(eventLeafHash(event));
    // The server's export format: each line the JCS text of the event (exportLine, docs/PROTOCOL.md §17.1).
    lines += exportLine(event);
    if (lines.length > 1 << 20) {
      writeSync(fd, lines);
      lines = '';
    }
    head = event;
  }
  writeSync(fd, lines);
  closeSync(fd);
  const text = checkpointBody({ origin: ORIGIN, treeSize: options.events, rootHash: tree.rootHash() });
  const cosignerSigners = ['cosigner-a.example', 'cosigner-b.example'].map((name) => ({ name, ...newSigner(name) }));
  const signatureLines = [
    signatureLine(ORIGIN, logKeyId(ORIGIN, log.record.publicKey), signEd25519(log.secretKey, utf8(text))),
    ...cosignerSigners.map((c) => {
      const timestamp = Math.floor(base / 1000);
      return cosignatureLine(c.name, cosignatureKeyId(c.name, c.record.publicKey), timestamp, signEd25519(c.secretKey, cosignatureMessage(text, timestamp)));
    }),
  ];
  // Through the keys document, as a verifier would get them.
  const keysDocument = buildPublicKeySet(keys, [], toCanonicalTimestamp(new Date(base)));
  writeFileSync(join(dir, 'keys.json'), JSON.stringify(keysDocument, null, 2));
  return {
    dir,
    exportPath,
    bytes: statSync(exportPath).size,
    keys: parsePublicKeySet(keysDocument),
    checkpointText: formatSignedNote(text, signatureLines),
    cosigners: cosignerSigners.map((c) => ({ name: c.name, publicKey: c.record.publicKey })),
    seconds: (performance.now() - started) / 1000,
  };
}

interface Measurement {
  mode: 'hashes-only' | 'signatures';
  workers: number;
  round: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU of this process (all threads) as a share of one core; other = the rest of the machine. */
  cpuPercent: number;
  otherPercent: number;
}

async function measure(log: GeneratedLog, mode: Measurement['mode'], workers: number, round: number): Promise<Measurement> {
  const meter = new CpuMeter(() => [process.pid]);
  const started = performance.now();
  const report: OfflineVerifyReport = await meter.measure(() =>
    runOfflineVerify({
      source: createFileVerifySource(log.exportPath),
      mode,
      keys: log.keys,
      policy: { allowDevelopmentKeys: false },
      checkpoints: [parsePinnedCheckpoint(log.checkpointText, 'checkpoint')],
      cosigners: log.cosigners,
      quorum: 2,
      origin: ORIGIN,
      workers,
      verifier: { verify: distVerify, module: SODIUM_MODULE },
      sha256Module: NODE_SHA256_MODULE,
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (!report.ok || report.checkpoints[0]?.rootVerified !== true) throw new Error(`the generated log did not verify: ${JSON.stringify(report.fault)}`);
  const cpu = meter.percent(seconds);
  return { mode, workers, round, events: report.verified, seconds, eventsPerSecond: report.verified / seconds, cpuPercent: cpu.node, otherPercent: cpu.other };
}

function best(rows: Measurement[], mode: Measurement['mode'], workers: number): Measurement | undefined {
  return rows.filter((r) => r.mode === mode && r.workers === workers).sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const machine = await collectMachineInfo(process.env.ARCHON72_BENCH_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL);
  log(machine.summary.split('\n').slice(0, 2).join('\n'));
  log(`generating ${formatNumber(options.events)} events signed by ${options.agents} agents, 12 witnesses...`);
  const generated = generateLog(options);
  log(`  ${formatNumber(generated.bytes / 2 ** 20, 1)} MiB NDJSON in ${generated.seconds.toFixed(1)} s (${generated.dir})`);
  const rows: Measurement[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['hashes-only', 'signatures'] as const) {
        for (const workers of options.workers) {
          // Other people's test runs share the machine: wait (a minute at most) for a quiet moment; `other` shows what ran anyway.
          await waitForQuietMachine(25, 60_000);
          const m = await measure(generated, mode, workers, round);
          rows.push(m);
          log(`  round ${round} ${mode.padEnd(11)} workers=${workers}: ${formatNumber(m.eventsPerSecond)} events/s (${m.seconds.toFixed(2)} s, cpu ${m.cpuPercent.toFixed(0)} %, other ${m.otherPercent.toFixed(0)} %)`);
        }
      }
    }
    const profiles = options.profile ? await profileRuns(generated, options.workers[0] ?? 0) : undefined;
    const table = formatTable(
      ['mode', 'workers', 'events', 'best s', 'best events/s', 'all rounds events/s', 'cpu % (best)', 'other cpu %'],
      (['hashes-only', 'signatures'] as const).flatMap((mode) =>
        options.workers.map((workers) => {
          const b = best(rows, mode, workers) as Measurement;
          const rates = rows.filter((r) => r.mode === mode && r.workers === workers).map((r) => r.eventsPerSecond);
          return [mode, String(workers), formatNumber(b.events), b.seconds.toFixed(2), formatNumber(b.eventsPerSecond), `${formatNumber(Math.min(...rates))}–${formatNumber(Math.max(...rates))}`, b.cpuPercent.toFixed(0), b.otherPercent.toFixed(0)];
        }),
      ),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    log(`\n${table}`);
    const verdicts = (['hashes-only', 'signatures'] as const).map((mode) => {
      const top = rows.filter((r) => r.mode === mode).sort((a, b) => b.eventsPerSecond - a.eventsPerSecond)[0] as Measurement;
      const met = top.eventsPerSecond >= TARGETS[mode];
      return { mode, target: TARGETS[mode], best: Math.round(top.eventsPerSecond), workers: top.workers, met };
    });
    for (const v of verdicts) log(`target ${v.mode} ≥ ${formatNumber(v.target)} events/s on ${machine.cores} cores: ${v.met ? 'met' : 'NOT met'}, best ${formatNumber(v.best)} (workers=${v.workers})`);
    writeFileSync(
      options.out,
      `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, options, log: { events: options.events, bytes: generated.bytes, generateSeconds: generated.seconds }, runs: rows, verdicts, profiles }, null, 2)}\n`,
    );
    log(`wrote ${options.out}`);
  } finally {
    rmSync(generated.dir, { recursive: true, force: true });
  }
}

/** One more run per mode inline (workers=0, so the profiler sees the verification itself), summarised by category. */
async function profileRuns(log: GeneratedLog, _workers: number) {
  const out: Record<string, ReturnType<typeof summariseProfile>> = {};
  for (const mode of ['hashes-only', 'signatures'] as const) {
    const stop = await startCpuProfile();
    await measure(log, mode, 0, 0);
    const summary = summariseProfile(await stop());
    out[mode] = summary;
    process.stdout.write(`\nprofile ${mode} (inline, one thread):\n`);
    for (const c of summary.categories) process.stdout.write(`  ${c.name.padEnd(40)} ${(c.share * 100).toFixed(1).padStart(5)} %\n`);
    for (const f of summary.topFunctions.slice(0, 12)) process.stdout.write(`    ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}\n`);
  }
  return out;
}

await main();
