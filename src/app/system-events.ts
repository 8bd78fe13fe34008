import { randomUUID } from 'node:crypto';
import { signSubmission } from './sign-submission.js';
import { ensureAgentKey, EVENT_WRITER_ID, type ProvisionDeps } from './provision-keys.js';
import type { JsonObject } from '../domain/chain/canonical-json.js';
import type { EventSubmission, StoredEvent } from '../domain/chain/event.types.js';
import type { Clock } from './ports.js';
import type { EventAppender } from './event-appender.js';

export interface SystemEventDeps extends ProvisionDeps {
  appender: EventAppender;
  clock: Clock;
}

/** An event the service itself records, signed by SYSTEM:EVENT_WRITER's own key (made if it has none). */
export async function eventWriterSubmission(deps: Omit<SystemEventDeps, 'appender'>, eventType: string, payload: JsonObject): Promise<EventSubmission> {
  const now = deps.clock.now();
  const key = await ensureAgentKey(EVENT_WRITER_ID, deps, now);
  const body = { eventId: randomUUID(), eventType, payload, agentId: EVENT_WRITER_ID, signingKeyId: key.keyId, localTimestamp: now };
  return signSubmission(body, deps.custody);
}

/**
 * Appends an event the service itself records (key revocations, keeper registrations), signed by
 * SYSTEM:EVENT_WRITER's own key and witnessed like any other. Resolves once committed.
 */
export async function appendSystemEvent(deps: SystemEventDeps, eventType: string, payload: JsonObject): Promise<StoredEvent> {
  return deps.appender.append(await eventWriterSubmission(deps, eventType, payload));
}
