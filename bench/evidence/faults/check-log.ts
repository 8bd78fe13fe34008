import { describeCensus } from '../../chain-census.js';
import { checkAcknowledged, censusOf, runVerifyDb } from '../log-checks.js';
import type { SqlExecutor } from '../../../src/adapters/postgres/sql-client.js';
import type { InvariantLog } from '../invariants.js';
import type { FaultLedger } from './fault-ledger.js';

const SQL = {
  storedOf: 'SELECT count(*)::int AS n FROM events WHERE event_id = ANY($1::uuid[])',
  // A fork would be two events naming the same predecessor (or two heads): every prev_hash links at most one event.
  forks: 'SELECT count(*)::int AS n FROM (SELECT prev_hash FROM events GROUP BY prev_hash HAVING count(*) > 1) AS shared',
} as const;

async function countStored(db: SqlExecutor, ids: Iterable<string>): Promise<number> {
  const all = [...ids];
  let n = 0;
  for (let i = 0; i < all.length; i += 10_000) n += (await db.query<{ n: number }>(SQL.storedOf, [all.slice(i, i + 10_000)]))[0]?.n ?? 0;
  return n;
}

/**
 * The invariants every fault scenario ends with, recorded under `area`: every acknowledged write is stored at the
 * sequence its 201 named; no refused write is stored; no answer was a 5xx other than 503; the log is gapless with no
 * fork; `archon72 verify-db` accepts it. Returns one line for the report on the writes whose outcome was unknown.
 */
export async function checkLogAfterFault(area: string, invariants: InvariantLog, db: SqlExecutor, databaseUrl: string, ledger: FaultLedger): Promise<string> {
  const { missing, moved } = await checkAcknowledged(db, ledger.acked);
  invariants.check(area, 'every acknowledged write is stored, at the sequence its 201 named', missing === 0 && moved === 0 && ledger.acked.size > 0, `${ledger.acked.size} acknowledged; ${missing} missing, ${moved} at another sequence`);
  const refusedStored = await countStored(db, ledger.refused);
  invariants.check(area, 'no refused write is stored', refusedStored === 0, `${ledger.refused.size} refused, ${refusedStored} stored`);
  invariants.check(area, 'no answer was a 5xx other than 503', ledger.serverErrors === 0, ledger.describeAnswers());
  const census = await censusOf(databaseUrl);
  const forks = (await db.query<{ n: number }>(SQL.forks))[0]?.n ?? 0;
  invariants.check(area, 'the log is gapless and has no fork', census.gapless && forks === 0, `${describeCensus(census)}; predecessors linked twice: ${forks}`);
  const verify = await runVerifyDb(databaseUrl);
  invariants.check(area, `\`archon72 ${verify.args.join(' ')}\` accepts the log`, verify.ok, `${verify.summary} (${verify.seconds.toFixed(1)} s)`);
  const unknownStored = await countStored(db, ledger.unknown);
  return `writes whose outcome the writer could not know (no answer with the request in flight, or 503 STORE_UNAVAILABLE): ${ledger.unknown.size}, of which ${unknownStored} stored; answers: ${ledger.describeAnswers()}`;
}
