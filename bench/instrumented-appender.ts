import { performance } from 'node:perf_hooks';
import { createPgEventStore } from '../src/adapters/postgres/pg-event-store.js';
import { verifyEd25519Sodium } from '../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../src/adapters/system-clock.js';
import { EventAppender } from '../src/app/event-appender.js';
import { KeyCache } from '../src/app/key-cache.js';
import type { SqlClient, SqlExecutor } from '../src/adapters/postgres/sql-client.js';
import type { EventStore, KeyCustody, KeyRegistry } from '../src/app/ports.js';
import type { Ed25519Verify } from '../src/domain/signing/ed25519.js';

/** Accumulated milliseconds (and counts) per stage of an append, filled in by the wrappers below. */
export interface StageTimes {
  /** sodium verify of the agent signature, called from EventAppender.append before queueing. */
  agentVerify: number;
  /** custody.sign for the witness attestation, inside the transaction. */
  witnessSign: number;
  /** The build callback: place + JCS + content hash + witness selection + witness signing, inside the transaction. */
  build: number;
  /** Round trip of each statement the store sends, by statement. */
  lock: number;
  head: number;
  insert: number;
  /** Whole transaction as the store sees it: pool connect + BEGIN + the above + COMMIT (the WAL flush). */
  transaction: number;
  transactions: number;
  events: number;
  maxBatch: number;
}

export function emptyStageTimes(): StageTimes {
  return { agentVerify: 0, witnessSign: 0, build: 0, lock: 0, head: 0, insert: 0, transaction: 0, transactions: 0, events: 0, maxBatch: 0 };
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
    transaction: (fn) => client.transaction((tx) => fn(timedExecutor(tx, times))),
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
      return stored;
    },
  };
  const timedCustody: KeyCustody = {
    ...custody,
    generateKey: (agentId) => custody.generateKey(agentId),
    hasKey: (keyId) => custody.hasKey(keyId),
    async sign(keyId, message) {
      const t0 = performance.now();
      const signature = await custody.sign(keyId, message);
      times.witnessSign += performance.now() - t0;
      return signature;
    },
  };
  const verify: Ed25519Verify = (signature, message, publicKey) => {
    const t0 = performance.now();
    const ok = verifyEd25519Sodium(signature, message, publicKey);
    times.agentVerify += performance.now() - t0;
    return ok;
  };
  return new EventAppender({ store, keys: new KeyCache(registry), custody: timedCustody, verify, clock: systemClock });
}

function timedExecutor(tx: SqlExecutor, times: StageTimes): SqlExecutor {
  return {
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      const t0 = performance.now();
      const rows = await tx.query<R>(text, params);
      const ms = performance.now() - t0;
      if (text.includes('pg_advisory_xact_lock')) times.lock += ms;
      else if (text.startsWith('INSERT INTO events')) times.insert += ms;
      else times.head += ms;
      return rows;
    },
  };
}
