import { performance } from 'node:perf_hooks';
import { errorCodeOf, type InstanceClient } from './halt-http.js';

/** What one instance's writers saw during one trial (times are performance.now() of this process, in ms). */
export interface InstanceObservation {
  /** 201 answers in the whole trial. */
  accepted: number;
  /** 201 answers received at or before the trigger: the load phase, for events/s. */
  acceptedBeforeTrigger: number;
  /** When the first 503 SYSTEM_HALTED answer arrived (a write refused), or undefined. */
  firstRefusalAt: number | undefined;
  /** The last 201 answer received. */
  lastAcceptedAt: number | undefined;
  /** Sequences acknowledged with 201 after the trigger: every one must lie at or below halted_after_sequence. */
  acceptedAfterTrigger: number[];
  /** 201 answers to requests sent after this instance's first refusal had arrived: must be 0. */
  acceptedAfterRefusal: number;
  /** 503 SYSTEM_HALTED answers. */
  refused: number;
  /** Anything else, by "status code" (network errors as "network"). */
  other: Map<string, number>;
}

/** A running set of writers; stop() ends them after their current request. */
export interface WriterRun {
  observations: InstanceObservation[];
  /** The trigger time: 201s received up to it count for the load phase. */
  setTrigger(at: number): void;
  stop(): Promise<void>;
}

function emptyObservation(): InstanceObservation {
  return { accepted: 0, acceptedBeforeTrigger: 0, firstRefusalAt: undefined, lastAcceptedAt: undefined, acceptedAfterTrigger: [], acceptedAfterRefusal: 0, refused: 0, other: new Map() };
}

/**
 * Starts `perInstance` writers on each client, each sending its next body (from `nextBody`, a pre-signed
 * submission as JSON) as soon as its last answer arrived: full speed, no back-off, also after 503s.
 */
export function startWriters(clients: InstanceClient[], perInstance: number, nextBody: () => Promise<string>): WriterRun {
  const observations = clients.map(() => emptyObservation());
  let stopped = false;
  let trigger = Number.POSITIVE_INFINITY;
  const loop = async (client: InstanceClient, seen: InstanceObservation): Promise<void> => {
    while (!stopped) {
      const body = await nextBody();
      const sentAt = performance.now();
      let status: number;
      let text: string;
      try {
        ({ status, body: text } = await client.request('POST', '/v1/events', body));
      } catch {
        seen.other.set('network', (seen.other.get('network') ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 10)); // an instance that is down is not retried in a busy loop
        continue;
      }
      const doneAt = performance.now();
      if (status === 201) {
        seen.accepted++;
        if (doneAt <= trigger) seen.acceptedBeforeTrigger++;
        else seen.acceptedAfterTrigger.push(Number(/"sequence":(\d+)/.exec(text)?.[1] ?? Number.NaN));
        seen.lastAcceptedAt = Math.max(seen.lastAcceptedAt ?? 0, doneAt);
        if (seen.firstRefusalAt !== undefined && sentAt > seen.firstRefusalAt) seen.acceptedAfterRefusal++;
        continue;
      }
      const code = errorCodeOf(text);
      if (status === 503 && code === 'SYSTEM_HALTED') {
        seen.refused++;
        if (seen.firstRefusalAt === undefined || doneAt < seen.firstRefusalAt) seen.firstRefusalAt = doneAt;
        continue;
      }
      const key = `${status} ${code ?? ''}`.trim();
      seen.other.set(key, (seen.other.get(key) ?? 0) + 1);
    }
  };
  const running = clients.flatMap((client, i) => Array.from({ length: perInstance }, () => loop(client, observations[i] as InstanceObservation)));
  return {
    observations,
    setTrigger(at) {
      trigger = at;
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

/** What one instance's gate probe saw (performance.now() ms). */
export interface ProbeObservation {
  /** When the first 503 SYSTEM_HALTED answer to a probe arrived. */
  firstRefusalAt: number | undefined;
  /** When that probe was sent: the instance turned halted between the previous probe's check and this answer. */
  firstRefusalSentAt: number | undefined;
  probes: number;
  other: Map<string, number>;
}

/**
 * Starts one probe per instance, back to back: a write whose signature does not verify. The halt gate is the first
 * thing an append checks (EventAppender.append), so an operational instance answers 422 SIG_INVALID at once, without
 * touching the database or queueing behind the writers' commits, and a halted one 503 SYSTEM_HALTED: the probe sees
 * the gate close within one HTTP round trip, where a writer first waits for its queued write to commit.
 */
export function startProbes(clients: InstanceClient[], bodies: string[]): { observations: ProbeObservation[]; stop(): Promise<void> } {
  const observations: ProbeObservation[] = clients.map(() => ({ firstRefusalAt: undefined, firstRefusalSentAt: undefined, probes: 0, other: new Map() }));
  let stopped = false;
  const loop = async (client: InstanceClient, body: string, seen: ProbeObservation): Promise<void> => {
    while (!stopped) {
      const sentAt = performance.now();
      let answer;
      try {
        answer = await client.request('POST', '/v1/events', body);
      } catch {
        seen.other.set('network', (seen.other.get('network') ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const doneAt = performance.now();
      seen.probes++;
      const code = errorCodeOf(answer.body);
      if (answer.status === 503 && code === 'SYSTEM_HALTED') {
        if (seen.firstRefusalAt === undefined) {
          seen.firstRefusalAt = doneAt;
          seen.firstRefusalSentAt = sentAt;
        }
      } else if (!(answer.status === 422 && code === 'SIG_INVALID')) {
        const key = `probe ${answer.status} ${code ?? ''}`.trim();
        seen.other.set(key, (seen.other.get(key) ?? 0) + 1);
      }
    }
  };
  const running = clients.map((client, i) => loop(client, bodies[i] as string, observations[i] as ProbeObservation));
  return {
    observations,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}
