import pg from 'pg';
import { toStoreError } from './store-errors.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

const INT8_OID = 20;

/** Options for the PostgreSQL pool. */
export interface PgClientOptions {
  connectionString: string;
  /** Pool size; the runbook recommends about 20 connections per API instance (§8.2). */
  maxConnections?: number;
  /** Name shown in pg_stat_activity. Informational only: no database rule ever looks at it. */
  applicationName?: string;
}

/**
 * Opens a `pg` pool behind the SqlClient interface. int8 is parsed to number (sequences stay below 2^53);
 * timestamps are rendered canonically in SQL (canonicalTimestampSql), so the driver's Date parsing is unused.
 */
export function createPgClient(options: PgClientOptions): SqlClient {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 20,
    application_name: options.applicationName ?? 'archon72',
    connectionTimeoutMillis: 5_000,
    types: { getTypeParser: (oid: number, format?: string) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
  });
  // An idle client dying (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);

  const run = async <R>(executor: pg.Pool | pg.PoolClient, text: string, params?: unknown[]): Promise<R[]> => {
    try {
      const result = await executor.query(text, params);
      return result.rows as R[];
    } catch (err) {
      throw toStoreError(err, 'postgresql');
    }
  };

  return {
    backend: 'postgresql',
    query: (text, params) => run(pool, text, params),
    async exec(script) {
      await run(pool, script);
    },
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toStoreError(err, 'postgresql');
      }
      const tx: SqlExecutor = { query: (text, params) => run(client, text, params) };
      let broken = false;
      // A checked-out client whose connection dies emits 'error'; unheard, that would crash the process. The
      // running query rejects on its own, so here it is enough to mark the client as not reusable.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await run(client, 'BEGIN');
        const result = await fn(tx);
        await run(client, 'COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        // A connection that failed or whose rollback failed is in an unknown state: destroy it, never reuse it.
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
