import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { createTestHalt, eventually, type TestHalt } from '../../support/test-halt.js';
import { createPgClient } from '../../../src/adapters/postgres/pg-client.js';
import { canonicalTimestampSql } from '../../../src/adapters/postgres/sql-client.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { EventAppender } from '../../../src/app/event-appender.js';
import { Keyring } from '../../../src/domain/signing/keyring.js';
import { placeEvent } from '../../../src/domain/chain/place-event.js';
import { selectWitness } from '../../../src/domain/witness/select-witness.js';
import { witnessSignatureMessage } from '../../../src/domain/signing/messages.js';
import { toBase64 } from '../../../src/domain/encoding/bytes.js';
import type { SqlClient } from '../../../src/adapters/postgres/sql-client.js';
import type { AppendHead, EventStore } from '../../../src/app/ports.js';

const run = await shouldRunPostgres('fork detection');

/**
 * A fork seen by the appender halts the system (CT-13): a second writer that skips the append lock stores a valid
 * event at the very sequence this instance placed, between its reading the head and its insert.
 */
describe.runIf(run)('a writer that skips the append lock', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let halt: TestHalt;
  let intruder: SqlClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await createTestStack({ kind: 'postgresql', url: db.url });
    halt = await createTestHalt(stack);
    intruder = createPgClient({ connectionString: db.url, applicationName: 'intruder' });
  });
  afterAll(async () => {
    await halt?.stop();
    await intruder?.close();
    await stack?.close();
    await db?.drop();
  });

  /** Stores a correctly placed, signed and witnessed event at head + 1, on its own connection and without the lock. */
  async function intrude(head: AppendHead): Promise<void> {
    const submission = await stack.submission({ payload: { intruder: true } });
    await intruder.transaction(async (tx) => {
      const [row] = await tx.query<{ at: string }>(`SELECT ${canonicalTimestampSql('clock_timestamp()')} AS at`);
      const at = row?.at as string;
      const witnesses = new Keyring(head.witnessKeys);
      const placed = placeEvent(head, submission, at);
      const witnessId = selectWitness(witnesses.witnessPoolAt(at, submission.agentId), placed.prevHash, placed.sequence);
      const signature = toBase64(await stack.custody.sign(witnesses.requireWitnessKey(witnessId, at).keyId, witnessSignatureMessage(placed.contentHash)));
      await tx.query(
        `INSERT INTO events (sequence, event_id, event_type, payload, agent_id, signing_key_id, signature, witness_id, witness_signature, prev_hash, content_hash, local_timestamp, authority_timestamp)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [placed.sequence, placed.eventId, placed.eventType, JSON.stringify(placed.payload), placed.agentId, placed.signingKeyId, placed.signature, witnessId, signature, placed.prevHash, placed.contentHash, placed.localTimestamp, at],
      );
    });
  }

  it('halts the system when another event takes the sequence it placed', async () => {
    let intruded = false;
    const forkingStore: EventStore = {
      ...stack.store,
      append: (build, effect) =>
        stack.store.append(async (head) => {
          const events = await build(head);
          if (!intruded) {
            intruded = true;
            await intrude(head);
          }
          return events;
        }, effect),
    };
    const appender = new EventAppender({ store: forkingStore, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium, gate: halt.guard });
    // The victim's event is refused once (its place was taken), then stored after the intruder's by the per-event
    // retry; meanwhile the fork has halted the system.
    await appender.append(await stack.submission({ payload: { victim: true } })).catch(() => undefined);
    await eventually(async () => (await halt.state.read()).halted);
    const record = await halt.state.read();
    expect(record).toMatchObject({ source: 'integrity' });
    expect(record.reason).toMatch(/^integrity: fork: another writer stored an event at a sequence this instance had placed/);
    expect(halt.guard.current().kind).toBe('halted');
  });
});
