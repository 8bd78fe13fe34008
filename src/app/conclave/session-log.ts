import { randomUUID } from 'node:crypto';
import { eventSignatureMessage } from '../../domain/signing/messages.js';
import { toBase64 } from '../../domain/encoding/bytes.js';
import { DeliberationError, StoreError } from '../../domain/errors.js';
import { ensureAgentKey, type ProvisionDeps } from '../provision-keys.js';
import type { EventSubmission, SignedBody, StoredEvent } from '../../domain/chain/event.types.js';
import type { SessionEvent } from '../../domain/deliberation/session-events.js';
import type { Clock, EventQuery } from '../ports.js';
import type { JsonObject } from '../../domain/chain/canonical-json.js';

/** Where a session's acts are written and read back: the constitutional log itself. */
export interface SessionLog {
  /**
   * Signs each event with its agent's key and appends them in order, all or nothing (one atomic batch). Throws
   * DeliberationError DELIBERATION_ARCHON_KEY_MISSING when an agent has no key here, and the appender's errors
   * (SYSTEM_HALTED while halted: nothing is written).
   */
  append(events: readonly SessionEvent[]): Promise<StoredEvent[]>;
  /** The session's events in log order; empty when the log holds no such session. */
  read(sessionId: string): Promise<StoredEvent[]>;
  /** Makes sure every agent has an open key this custody holds (generating and registering missing ones). */
  provision(agentIds: readonly string[]): Promise<void>;
}

export interface SessionLogDeps extends ProvisionDeps {
  appender: { submitAll(submissions: readonly EventSubmission[]): Promise<StoredEvent[]> };
  query: EventQuery;
  clock: Clock;
}

const READ_PAGE = 1000;

/** One session's events in log order, read page by page (no cap); empty when the log holds no such session. */
export async function readSessionEvents(query: EventQuery, sessionId: string): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const page = await query.listEvents(after, READ_PAGE, { sessionId });
    events.push(...page);
    if (page.length < READ_PAGE) return events;
    after = (page.at(-1) as StoredEvent).sequence;
  }
}

/** The unique index of migration 013: one event per (session_id, step). */
const SESSION_STEP_INDEX = 'events_conclave_session_step_key';

/**
 * DELIBERATION_SESSION_BUSY when the database refused the batch because another runner wrote one of its steps
 * first; undefined for any other failure.
 */
function stepTaken(err: unknown, events: readonly SessionEvent[]): DeliberationError | undefined {
  if (!(err instanceof StoreError) || err.code !== 'STORE_CONFLICT' || err.details?.constraint !== SESSION_STEP_INDEX) return undefined;
  const first = events[0];
  const sessionId = String(first?.payload.session_id);
  return new DeliberationError({
    code: 'DELIBERATION_SESSION_BUSY',
    message: `another runner wrote step ${String(first?.payload.step)} (or a later one) of session ${sessionId} first; this one stops without writing. Resume once the other has finished.`,
    details: { sessionId },
    cause: err,
  });
}

/** A SessionLog over the appender (signatures by key custody) and the event query. */
export function createSessionLog(deps: SessionLogDeps): SessionLog {
  const keyIds = new Map<string, string>();
  const keyOf = async (agentId: string): Promise<string> => {
    const known = keyIds.get(agentId);
    if (known !== undefined) return known;
    const now = deps.clock.now();
    const keyring = await deps.keys.current();
    const open = keyring.keysOf(agentId).find((k) => k.activeUntil === undefined || k.activeUntil > now);
    if (open === undefined || !(await deps.custody.hasKey(open.keyId))) {
      throw new DeliberationError({
        code: 'DELIBERATION_ARCHON_KEY_MISSING',
        message: `${agentId} has no open key held by this key custody; run the session where its key is held, or provision it`,
        details: { agentId },
      });
    }
    keyIds.set(agentId, open.keyId);
    return open.keyId;
  };
  return {
    async append(events) {
      const localTimestamp = deps.clock.now();
      const bodies: SignedBody[] = [];
      for (const e of events) {
        bodies.push({ eventId: randomUUID(), eventType: e.eventType, payload: e.payload as JsonObject, agentId: e.agentId, signingKeyId: await keyOf(e.agentId), localTimestamp });
      }
      const signatures = await deps.custody.signAll(bodies.map((body) => ({ keyId: body.signingKeyId, message: eventSignatureMessage(body) })));
      try {
        return await deps.appender.submitAll(bodies.map((body, i) => ({ ...body, signature: toBase64(signatures[i] as Uint8Array) })));
      } catch (err) {
        throw stepTaken(err, events) ?? err;
      }
    },
    read: (sessionId) => readSessionEvents(deps.query, sessionId),
    async provision(agentIds) {
      const now = deps.clock.now();
      const keyring = await deps.keys.reload();
      for (const agentId of agentIds) {
        const open = keyring.keysOf(agentId).find((k) => k.activeUntil === undefined || k.activeUntil > now);
        if (open === undefined || !(await deps.custody.hasKey(open.keyId))) await ensureAgentKey(agentId, deps, now);
      }
    },
  };
}
