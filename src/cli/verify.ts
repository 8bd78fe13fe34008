import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { action, EXIT } from './run-command.js';
import { verifyEd25519Sodium } from '../adapters/crypto/sodium-ed25519.js';
import { createFileVerifySource } from '../adapters/verify-source/file-verify-source.js';
import { createHttpVerifySource, fetchLatestCheckpoint, fetchPublicKeySet } from '../adapters/verify-source/http-verify-source.js';
import { runOfflineVerify, type OfflineVerifyReport } from '../app/offline-verify/offline-verify.js';
import { parsePinnedCheckpoint, type PinnedCheckpoint } from '../app/offline-verify/pinned-checkpoint.js';
import { parsePublicKeySet } from '../domain/signing/public-key-set.js';
import { parseJsonBytes } from '../domain/encoding/parse-json.js';
import { fromHex } from '../domain/encoding/bytes.js';
import { isValidKeyName } from '../domain/note/signed-note.js';
import { AppError, InputError, StoreError } from '../domain/errors.js';
import type { CosignerKey } from '../domain/note/cosignature.js';
import type { PublicKeyRecord } from '../domain/signing/key.types.js';
import type { VerifyProgress } from '../app/offline-verify/verify-export.js';

interface VerifyOptions {
  file?: string;
  url?: string;
  keys?: string;
  checkpoint: string[];
  cosigner: CosignerKey[];
  quorum?: number;
  origin?: string;
  hashesOnly?: boolean;
  allowDevelopmentKeys?: boolean;
  workers: number;
  json?: boolean;
}

/** The Ed25519 verifier worker threads load: libsodium's, as the server uses. */
const SODIUM_VERIFIER = { url: new URL('../adapters/crypto/sodium-ed25519.js', import.meta.url).href, exportName: 'verifyEd25519Sodium' };
/** Node's native SHA-256, which src/cli/main.ts installed in this thread, for the worker threads to install. */
const NODE_SHA256 = { url: new URL('../adapters/crypto/node-sha256.js', import.meta.url).href, exportName: 'nodeSha256' };

/**
 * `archon72 verify (--file EXPORT.ndjson | --url http://host:8000) [--keys KEYS.json] [--checkpoint NOTE]...`: verifies
 * a log with nothing but a keys document and pinned checkpoints, no database and no trust in the server. Prints one
 * summary line (or `--json`), progress on a terminal's stderr; exit 0 only when everything verifies, 1 on a fault
 * (the first failing sequence and why), 2 on bad usage or input.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify an exported or live log offline: chain, hashes, both signatures, witness selection, Merkle checkpoints')
    .option('--file <path>', 'NDJSON export to verify (GET /v1/observer/export?format=ndjson); - reads standard input')
    .option('--url <url>', 'a live server to verify through its observer API, e.g. http://host:8000 (its latest checkpoint is checked too)')
    .option('--keys <path>', 'keys document (archon72 keys export-public, GET /v1/observer/keys); fetched from --url when omitted')
    .option('--checkpoint <path>', 'a pinned checkpoint (signed note) to check the events against; repeatable', collect, [] as string[])
    .option('--cosigner <name=key>', "a trusted checkpoint cosigner: its name and 64-hex-digit Ed25519 public key; repeatable", collectCosigner, [] as CosignerKey[])
    .addOption(new Option('--quorum <k>', 'cosignatures required on each checkpoint (default: 2, or fewer when fewer cosigners are given)').argParser(parsePositive))
    .option('--origin <origin>', "the log's checkpoint origin; checkpoints of any other are refused")
    .option('--hashes-only', 'check the chain, content hashes and Merkle roots only, no signatures (no keys needed)')
    .option('--allow-development-keys', 'accept events signed or attested with development keys (dev- ids); a production verifier refuses them')
    .addOption(new Option('--workers <n>', 'worker threads for signature checks (0: this thread)').default(availableParallelism()).argParser(parseCount))
    .option('--json', 'print a machine-readable report instead of the summary line')
    .action(action(runVerify));
}

async function runVerify(opts: VerifyOptions): Promise<number> {
  if ((opts.file === undefined) === (opts.url === undefined)) throw usage('give exactly one of --file and --url');
  const mode = opts.hashesOnly ? 'hashes-only' : 'signatures';
  const keys = mode === 'signatures' ? await loadKeys(opts) : [];
  const checkpoints = opts.checkpoint.map(loadCheckpoint);
  if (opts.url !== undefined) checkpoints.unshift(...(await latestCheckpointOf(opts.url)));
  const quorum = opts.quorum ?? Math.min(2, opts.cosigner.length);
  if (opts.cosigner.length > 0 && quorum > opts.cosigner.length) throw usage(`--quorum ${quorum} exceeds the ${opts.cosigner.length} cosigners given`);
  const source = opts.file !== undefined ? createFileVerifySource(opts.file) : createHttpVerifySource(opts.url as string);
  const progress = startProgress(source.totalBytes);
  const started = performance.now();
  let report: OfflineVerifyReport;
  try {
    report = await runOfflineVerify(
      {
        source,
        mode,
        keys,
        policy: { allowDevelopmentKeys: opts.allowDevelopmentKeys === true },
        checkpoints,
        cosigners: opts.cosigner,
        quorum: Math.max(quorum, 1),
        origin: opts.origin,
        workers: opts.workers,
        verifier: { verify: verifyEd25519Sodium, module: SODIUM_VERIFIER },
        sha256Module: NODE_SHA256,
      },
      { onProgress: progress?.update },
    );
  } finally {
    progress?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${opts.json ? JSON.stringify(toJsonReport(report, seconds), null, 2) : summaryLine(report, seconds, opts.cosigner.length > 0)}\n`);
  return report.ok ? EXIT.ok : EXIT.failed;
}

/** --keys, else the server's GET /v1/observer/keys; parsed with parsePublicKeySet. */
async function loadKeys(opts: VerifyOptions): Promise<PublicKeyRecord[]> {
  if (opts.keys !== undefined) return parsePublicKeySet(parseJsonBytes(readInput(opts.keys, '--keys'), `keys document ${opts.keys}`));
  if (opts.url === undefined) throw usage('--keys is required to verify signatures (archon72 keys export-public writes it); or pass --hashes-only');
  const fetched = await fetchPublicKeySet(opts.url);
  if (fetched === undefined) throw usage(`${opts.url} does not serve GET /v1/observer/keys; pass --keys (archon72 keys export-public writes it)`);
  return parsePublicKeySet(fetched);
}

/**
 * A live log's latest checkpoint, checked like a pinned one (fetched before the events, so they cover it); none
 * when it publishes none. A note the server sends that does not parse is the server's fault: STORE_FAILED.
 */
async function latestCheckpointOf(url: string): Promise<PinnedCheckpoint[]> {
  const note = await fetchLatestCheckpoint(url);
  if (note === undefined) return [];
  try {
    return [parsePinnedCheckpoint(note, 'latest checkpoint')];
  } catch (cause) {
    if (!(cause instanceof AppError)) throw cause;
    throw new StoreError({ code: 'STORE_FAILED', message: `${url} serves a latest checkpoint that does not parse: ${cause.message}`, cause });
  }
}

function loadCheckpoint(path: string): PinnedCheckpoint {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readInput(path, '--checkpoint'));
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    throw new InputError({ code: 'INPUT_NOTE_MALFORMED', message: `checkpoint ${path} is not UTF-8`, details: { field: '--checkpoint' }, cause });
  }
  return parsePinnedCheckpoint(text, path);
}

function readInput(path: string, field: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `${field}: cannot read ${path}: ${(cause as Error).message}`, details: { field }, cause });
  }
}

/** A progress bar on stderr when it is a terminal: bytes of a file, events of a live source. */
function startProgress(totalBytes: number | undefined): { update: (p: VerifyProgress) => void; stop: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const format = totalBytes === undefined ? 'verifying {events} events' : 'verifying [{bar}] {percentage}% | {events} events | eta {eta_formatted}';
  const bar = new SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(totalBytes ?? 1, 0, { events: 0 });
  return {
    update: (p) => {
      if (totalBytes === undefined) bar.update(0, { events: p.verified });
      else bar.update(Math.min(p.bytesVerified, totalBytes), { events: p.verified });
    },
    stop: () => bar.stop(),
  };
}

/** The one-line verdict: `OK: …` or `FAULT at sequence N (line L, check): CODE: message`. */
export function summaryLine(report: OfflineVerifyReport, seconds: number, cosignersTrusted: boolean): string {
  const { fault } = report;
  if (fault !== undefined) {
    const where = fault.line > 0 ? `line ${fault.line}, ` : '';
    return `FAULT at sequence ${fault.sequence} (${where}${fault.check}): ${fault.code}: ${fault.message}`;
  }
  const range = report.head === undefined ? 'no events' : `${report.verified} events verified (sequence 1..${report.head.sequence})`;
  const what = report.mode === 'signatures' ? 'hashes, chain, both signatures and witness selection checked' : 'hashes and chain checked, signatures NOT checked (--hashes-only)';
  const parts = [`OK: ${range}`, what, `Merkle root ${report.rootHash} at tree size ${report.verified}`];
  if (report.checkpoints.length > 0) {
    const sizes = report.checkpoints.map((c) => c.treeSize).join(', ');
    const cosigned = report.mode === 'hashes-only' ? ', signatures not checked' : cosignersTrusted ? ', cosignature quorum met' : ', cosignatures not checked (no --cosigner)';
    parts.push(`${report.checkpoints.length} checkpoint${report.checkpoints.length > 1 ? 's' : ''} verified (tree size ${sizes}${cosigned})`);
  }
  const rate = seconds > 0 ? Math.round(report.verified / seconds) : 0;
  parts.push(`${seconds.toFixed(2)} s, ${rate} events/s, ${report.workers} worker${report.workers === 1 ? '' : 's'}`);
  return parts.join('; ');
}

/** The --json report: protocol-style snake_case members. */
export function toJsonReport(report: OfflineVerifyReport, seconds: number): Record<string, unknown> {
  return {
    ok: report.ok,
    mode: report.mode,
    source: report.source,
    events_verified: report.verified,
    head: report.head === undefined ? null : { sequence: report.head.sequence, content_hash: report.head.contentHash, authority_timestamp: report.head.authorityTimestamp },
    tree_size: report.verified,
    root_hash: report.rootHash ?? null,
    checkpoints: report.checkpoints.map((c) => ({
      name: c.name,
      origin: c.origin,
      tree_size: c.treeSize,
      root_hash: c.rootHash,
      root_verified: c.rootVerified,
      log_key_id: c.signatures?.logKeyId ?? null,
      cosigners: c.signatures?.cosigners ?? null,
    })),
    fault: report.fault ?? null,
    workers: report.workers,
    seconds: Number(seconds.toFixed(3)),
    events_per_second: seconds > 0 ? Math.round(report.verified / seconds) : null,
  };
}

function usage(message: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectCosigner(value: string, previous: CosignerKey[]): CosignerKey[] {
  const split = value.lastIndexOf('=');
  const name = value.slice(0, split);
  const publicKey = split > 0 && /^[0-9a-f]{64}$/.test(value.slice(split + 1)) ? fromHex(value.slice(split + 1)) : undefined;
  if (publicKey === undefined || !isValidKeyName(name)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not NAME=KEY (a key name, then 64 lowercase hex digits)`);
  return [...previous, { name, publicKey }];
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 256) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number from 0 to 256`);
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number from 1 to 100`);
  return n;
}
