import type { CheckResult } from '../../domain/governance/preoperational.js';
import type { EventStore } from '../ports.js';

export interface ReplicaProbe {
  /** The read replica's view of the log (DATABASE_READ_URL). */
  store: EventStore;
  /** REPLICA_MAX_LAG_EVENTS: how many events the replica may be behind. */
  maxLagEvents: number;
}

/**
 * Replica sync: the replica's head is at most maxLagEvents behind the primary's and is the same event (same
 * content_hash at that sequence); a replica ahead of the primary, or holding a different event, has diverged.
 */
export async function checkReplicaSync(primary: EventStore, replica: ReplicaProbe | undefined): Promise<CheckResult> {
  if (replica === undefined) return result('skipped', 'DATABASE_READ_URL is not set: no read replica');
  const primaryHead = await primary.head();
  let replicaHead;
  try {
    replicaHead = await replica.store.head();
  } catch (err) {
    return result('failed', `the replica cannot be read: ${(err as Error).message}`);
  }
  const primarySequence = primaryHead?.sequence ?? 0;
  const replicaSequence = replicaHead?.sequence ?? 0;
  if (replicaSequence > primarySequence) return result('failed', `the replica's head ${replicaSequence} is ahead of the primary's ${primarySequence}: it has diverged`);
  if (replicaHead !== undefined) {
    const same = (await primary.readRange(replicaHead.sequence, replicaHead.sequence, 1))[0];
    if (same?.contentHash !== replicaHead.contentHash) return result('failed', `the replica holds a different event at sequence ${replicaHead.sequence}: it has diverged`);
  }
  const lag = primarySequence - replicaSequence;
  if (lag > replica.maxLagEvents) return result('failed', `the replica is ${lag} events behind (at most ${replica.maxLagEvents}, REPLICA_MAX_LAG_EVENTS)`);
  return result('passed', `the replica is ${lag} event(s) behind, head hashes match (at most ${replica.maxLagEvents})`);
}

function result(status: CheckResult['status'], detail: string): CheckResult {
  return { check: 'replica_sync', status, detail };
}
