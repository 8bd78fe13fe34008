import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fromBase64, toBase64 } from '../../domain/encoding/bytes.js';
import { CosignerError } from '../../domain/errors.js';
import { parseJsonBytes } from '../../domain/encoding/parse-json.js';
import { parseCheckpointBody } from '../../domain/note/checkpoint-note.js';
import { isTemporaryOf, writeFileAtomic } from './atomic-file.js';
import { takePidLock } from '../fs/pid-lock-file.js';
import type { CosignedCheckpoint, CosignerStateStore } from '../../app/ports.js';

/** The `format` member of the cosigner state file (docs/PROTOCOL.md §16.4). */
export const COSIGNER_STATE_FORMAT = 'archon72-cosigner-state/v1';

/** Largest state file read (a record is a few hundred bytes; a cosigner witnesses a handful of logs). */
const MAX_STATE_BYTES = 16 * 1024 * 1024;
const RECORD_MEMBERS = ['tree_size', 'root_hash', 'checkpoint', 'cosigned_at'];

/** The state file of one `archon72 witness serve` process, locked to it while open. */
export interface FileCosignerState extends CosignerStateStore {
  readonly path: string;
  /** Origins with a cosigned checkpoint. */
  origins(): string[];
  /** Releases the lock file. Idempotent. */
  close(): void;
}

/**
 * Opens (creating it empty if absent) the cosigner state file `path`: JSON `{ format, logs: { <origin>: {
 * tree_size, root_hash, checkpoint, cosigned_at } } }`, replaced atomically on every commit (temporary file,
 * fsync, rename, directory fsync), so a crash, kill -9 included, leaves the previous or the next state, never a
 * torn one. Temporary files left by a crash are removed. A lock file `<path>.lock` keeps a second process off it.
 * Throws CosignerError COSIGNER_STATE_LOCKED (another live process holds it), COSIGNER_STATE_INVALID (unreadable,
 * not this format, or a record that does not check out), COSIGNER_STATE_WRITE_FAILED (cannot create it).
 */
export function openFileCosignerState(path: string): FileCosignerState {
  const release = lockStateFile(path);
  try {
    removeTemporaryFiles(path);
    let records = existsSync(path) ? readStateFile(path) : new Map<string, CosignedCheckpoint>();
    if (!existsSync(path)) writeState(path, records);
    // Commits run one at a time, each writing the whole state as it will be after it (never a stale snapshot).
    let queue: Promise<void> = Promise.resolve();
    return {
      path,
      latest: (origin) => records.get(origin),
      origins: () => [...records.keys()],
      commit(origin, checkpoint) {
        const write = queue.then(() => {
          const next = new Map(records).set(origin, checkpoint);
          writeState(path, next);
          records = next;
        });
        queue = write.catch(() => undefined);
        return write;
      },
      close: release,
    };
  } catch (err) {
    release();
    throw err;
  }
}

function writeState(path: string, records: ReadonlyMap<string, CosignedCheckpoint>): void {
  const logs: Record<string, unknown> = {};
  for (const [origin, r] of [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    logs[origin] = { tree_size: r.treeSize, root_hash: toBase64(r.rootHash), checkpoint: r.checkpoint, cosigned_at: r.cosignedAt };
  }
  try {
    writeFileAtomic(path, `${JSON.stringify({ format: COSIGNER_STATE_FORMAT, logs }, null, 2)}\n`);
  } catch (cause) {
    throw new CosignerError({ code: 'COSIGNER_STATE_WRITE_FAILED', message: `cannot write the cosigner state ${path}: ${(cause as Error).message}`, details: { path }, cause });
  }
}

/** Reads and checks every record (the file may be damaged or edited: nothing in it is trusted unchecked). */
function readStateFile(path: string): Map<string, CosignedCheckpoint> {
  const invalid = (problem: string, cause?: unknown) =>
    new CosignerError({ code: 'COSIGNER_STATE_INVALID', message: `${path}: ${problem}; restore it from a backup (never start a cosigner on an empty state it has forgotten)`, details: { path }, cause });
  let json: unknown;
  try {
    if (statSync(path).size > MAX_STATE_BYTES) throw new Error('too large');
    json = parseJsonBytes(readFileSync(path), 'the cosigner state');
  } catch (err) {
    throw invalid(`not a readable cosigner state file (${(err as Error).message})`, err);
  }
  const file = json as { format?: unknown; logs?: unknown };
  if (typeof json !== 'object' || json === null || file.format !== COSIGNER_STATE_FORMAT) throw invalid(`not a state file of format ${COSIGNER_STATE_FORMAT}`);
  if (typeof file.logs !== 'object' || file.logs === null || Array.isArray(file.logs)) throw invalid('"logs" must be an object');
  const records = new Map<string, CosignedCheckpoint>();
  for (const [origin, value] of Object.entries(file.logs)) {
    try {
      records.set(origin, parseRecord(origin, value));
    } catch (err) {
      throw invalid(`the record of ${JSON.stringify(origin)} is invalid: ${(err as Error).message}`, err);
    }
  }
  return records;
}

function parseRecord(origin: string, value: unknown): CosignedCheckpoint {
  const r = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Object.keys(r).sort().join() !== [...RECORD_MEMBERS].sort().join()) throw new Error(`members must be ${RECORD_MEMBERS.join(', ')}`);
  const rootHash = typeof r.root_hash === 'string' ? fromBase64(r.root_hash) : undefined;
  if (typeof r.checkpoint !== 'string' || rootHash === undefined) throw new Error('checkpoint and root_hash must be strings');
  const body = parseCheckpointBody(r.checkpoint);
  // The recorded size and root must be the checkpoint's own.
  if (body.origin !== origin || body.treeSize !== r.tree_size || toBase64(body.rootHash) !== r.root_hash) throw new Error('tree_size, root_hash and checkpoint disagree');
  if (typeof r.cosigned_at !== 'number' || !Number.isSafeInteger(r.cosigned_at) || r.cosigned_at < 0) throw new Error('cosigned_at must be whole seconds ≥ 0');
  return { treeSize: body.treeSize, rootHash, checkpoint: r.checkpoint, cosignedAt: r.cosigned_at };
}

function removeTemporaryFiles(path: string): void {
  const dir = dirname(path);
  const base = basename(path);
  for (const name of readdirSync(dir)) if (isTemporaryOf(name, base)) rmSync(join(dir, name), { force: true });
}

/** The state file's pid lock (`<path>.lock`): one cosigner per state file. */
function lockStateFile(path: string): () => void {
  const lockPath = `${path}.lock`;
  let lock;
  try {
    lock = takePidLock(lockPath, 'archon72 witness serve');
  } catch (err) {
    throw new CosignerError({ code: 'COSIGNER_STATE_WRITE_FAILED', message: `cannot create ${lockPath}: ${(err as Error).message}`, details: { path }, cause: err });
  }
  if (lock.kind === 'acquired') return lock.release;
  if (lock.kind === 'held') {
    throw new CosignerError({ code: 'COSIGNER_STATE_LOCKED', message: `the cosigner state ${path} is in use by process ${lock.pid}; one cosigner per state file`, details: { path, pid: lock.pid } });
  }
  throw new CosignerError({ code: 'COSIGNER_STATE_LOCKED', message: `could not lock ${lockPath}`, details: { path } });
}
