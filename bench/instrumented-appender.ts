import { performance } from 'node:perf_hooks';
import { createPgEventStore } from '../src/adapters/postgres/pg-event-store.js';
import { verifyEd25519Sodium } from '../src/adapters/crypto/sodium-ed25519.js';
import { EventAppender } from '../src/app/event-appender.js';
import { KeyCache } from '../src/app/key-cache.js';
import type { SqlClient, SqlExecutor } from '../src/adapters/postgres/sql-client.js';
import type { EventStore, KeyCustody, KeyRegistry } from '../src/app/ports.js';
import type { Ed25519Verify } from '../src/domain/signing/ed25519.js';

/**
 * Accumulated milliseconds (and counts) per stage of an append, filled in by the wrappers below. Transactions of
 * one process may overlap (the appender keeps more than one in flight), so stage sums can exceed wall time;
 * `lockHeld` cannot, because only one transaction holds the append lock at a time.
 */
export interface StageTimes {
  /** sodium verify of the agent signature, called from EventAppender.append before queueing. */
  agentVerify: number;
  /** custody.sign / signAll for the witness attestations, inside the transaction. */
  witnessSign: number;
  /** The build callback: place + JCS + content hash + witness selection + witness signing, inside the transaction. */
  build: number;
  /** From asking for a connection to the lock being granted: pool/PGlite wait, BEGIN, SET TRANSACTION, waiting for the lock. */
  beforeLock: number;
  /** Round trips after the lock, by statement. */
  head: number;
  /** Reading the witness keys under the lock (the pool must be the one a verifier computes). */
  witnessKeys: number;
  insert: number;
  /** From the lock being granted to COMMIT returning: the serial section every append in every process goes through. */
  lockHeld: number;
  /** COMMIT and anything else after the insert until the transaction resolved (WAL flush). */
  commit: number;
  /** Whole transactions, summed (overlapping ones both count). */
  transaction: number;
  transactions: number;
  events: number;
  maxBatch: number;
  /** Size of every committed batch, in order. */
  batchSizes: number[];
}

export function emptyStageTimes(): StageTimes {
  return {
    agentVerify: 0, witnessSign: 0, build: 0, beforeLock: 0, head: 0, witnessKeys: 0, insert: 0, lockHeld: 0, commit: 0,
    transaction: 0, transactions: 0, events: 0, maxBatch: 0, batchSizes: [],
  };
}

/** Per-transaction timestamps shared by the wrappers of one transaction. */
interface TransactionClock {
  startedAt: number;
  lockedAt: number;
  insertedAt: number;
}

/**
 * A real EventAppender (unchanged code from src/) whose ports are wrapped with timers: the same verify, custody,
 * store and SQL, only observed. Statements are told apart by their text, since the store's SQL is private.
 */
export function createInstrumentedAppender(client: SqlClient, registry: KeyRegistry, custody: KeyCustody, times: StageTimes): EventAppender {
  const timedClient: SqlClient = {
    backend: client.backend,
    query: (text, params) => client.query(text, params),
    exec: (script) => client.exec(script),
    close: () => client.close(),
    async transaction(fn) {
      const clock: TransactionClock = { startedAt: performance.now(), lockedAt: Number.NaN, insertedAt: Number.NaN };
      const result = await client.transaction((tx) => fn(timedExecutor(tx, times, clock)));
      const end = performance.now();
      if (!Number.isNaN(clock.lockedAt)) times.lockHeld += end - clock.lockedAt;
      if (!Number.isNaN(clock.insertedAt)) times.commit += end - clock.insertedAt;
      return result;
    },
  };
  const inner = createPgEventStore(timedClient);
  const store: EventStore = {
    ...inner,
    async append(build) {
      const t0 = performance.now();
      const stored = await inner.append(async (head) => {
        const b0 = performance.now();
        const events = await build(head);
        times.build += performance.now() - b0;
        return events;
      });
      times.transaction += performance.now() - t0;
      times.transactions++;
      times.events += stored.length;
      times.maxBatch = Math.max(times.maxBatch, stored.length);
      times.batchSizes.push(stored.length);
      return stored;
    },
  };
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      times.witnessSign += performance.now() - t0;
    }
  };
  const timedCustody: KeyCustody = {
    mode: custody.mode,
    generateKey: (agentId) => custody.generateKey(agentId),
    hasKey: (keyId) => custody.hasKey(keyId),
    sign: (keyId, message) => timed(() => custody.sign(keyId, message)),
    signAll: (requests) => timed(() => custody.signAll(requests)),
    close: () => custody.close(),
  };
  const verify: Ed25519Verify = (signature, message, publicKey) => {
    const t0 = performance.now();
    const ok = verifyEd25519Sodium(signature, message, publicKey);
    times.agentVerify += performance.now() - t0;
    return ok;
  };
  return new EventAppender({ store, keys: new KeyCache(registry), custody: timedCustody, verify });
}

function timedExecutor(tx: SqlExecutor, times: StageTimes, clock: TransactionClock): SqlExecutor {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      const t0 = performance.now();
      const rows = await tx.query<R>(text, params);
      const t1 = performance.now();
      if (text.includes('pg_advisory_xact_lock')) {
        clock.lockedAt = t1;
        times.beforeLock += t1 - clock.startedAt;
      } else if (text.startsWith('SET TRANSACTION')) {
        // part of beforeLock, counted when the lock arrives
      } else if (text.startsWith('INSERT INTO events')) {
        times.insert += t1 - t0;
        clock.insertedAt = t1;
      } else if (text.includes('FROM agent_keys')) {
        times.witnessKeys += t1 - t0;
      } else {
        times.head += t1 - t0;
      }
      return rows;
    },
  };
}
