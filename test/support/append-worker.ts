/**
 * A writer process for multi-process tests: appends `count` events to the PostgreSQL database at DATABASE_URL
 * with `concurrency` appends in flight, interleaving invalid events (a forged signature every 7th, a duplicate
 * event_id every 11th). Keys come from the shared development custody in ARCHON72_DATA_DIR, provisioned by the
 * test beforehand. Prints one line per acknowledged event (`ack <sequence> <event_id>`) as it happens, then a JSON
 * summary line. Run with: tsx test/support/append-worker.ts <count> <concurrency> <label>
 */
import { randomUUID } from 'node:crypto';
import { createPgClient } from '../../src/adapters/postgres/pg-client.js';
import { createPgEventStore } from '../../src/adapters/postgres/pg-event-store.js';
import { createPgKeyRegistry } from '../../src/adapters/postgres/pg-key-registry.js';
import { createSoftwareKeyCustody } from '../../src/adapters/hsm/software-key-custody.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { KeyCache } from '../../src/app/key-cache.js';
import { EventAppender } from '../../src/app/event-appender.js';
import { ensureAgentKey, EVENT_WRITER_ID } from '../../src/app/provision-keys.js';
import { signSubmission } from '../../src/app/sign-submission.js';
import { AppError } from '../../src/domain/errors.js';
import type { EventSubmission } from '../../src/domain/chain/event.types.js';

const [count, concurrency] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 32)];
const label = process.argv[4] ?? 'worker';
const client = createPgClient({ connectionString: process.env.DATABASE_URL ?? '', applicationName: `archon72 ${label}` });
const registry = createPgKeyRegistry(client);
const keys = new KeyCache(registry);
const custody = createSoftwareKeyCustody(process.env.ARCHON72_DATA_DIR ?? '');
const appender = new EventAppender({ store: createPgEventStore(client), keys, custody, verify: verifyEd25519Sodium });
const key = await ensureAgentKey(EVENT_WRITER_ID, { registry, custody, keys }, systemClock.now());

const outcomes: Record<string, number> = { ok: 0 };
let previous: EventSubmission | undefined;
let next = 0;

async function one(i: number): Promise<void> {
  let submission = await signSubmission(
    { eventId: randomUUID(), eventType: 'test.load', payload: { label, i }, agentId: EVENT_WRITER_ID, signingKeyId: key.keyId, localTimestamp: systemClock.now() },
    custody,
  );
  if (i % 7 === 3) submission = { ...submission, payload: { label, i, forged: true } };
  else if (i % 11 === 5 && previous) submission = previous;
  previous = submission;
  try {
    const stored = await appender.append(submission);
    outcomes.ok = (outcomes.ok ?? 0) + 1;
    process.stdout.write(`ack ${stored.sequence} ${stored.eventId}\n`);
  } catch (err) {
    const code = err instanceof AppError ? err.code : 'UNEXPECTED';
    outcomes[code] = (outcomes[code] ?? 0) + 1;
  }
}

await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) await one(next++);
  }),
);
await appender.flush();
await client.close();
process.stdout.write(`${JSON.stringify({ label, outcomes })}\n`);
