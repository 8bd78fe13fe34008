import { PGlite, types } from '@electric-sql/pglite';
import { AppError } from '../../domain/errors.js';
import { toStoreError } from '../postgres/store-errors.js';
import type { SqlClient, SqlExecutor } from '../postgres/sql-client.js';

interface QueryRunner {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * Opens embedded PostgreSQL (PGlite) at `dataDir` (or in memory for `memory://`) behind the SqlClient
 * interface, so the postgres/ adapters run unchanged on it. PGlite has one connection; its transactions are
 * serialised by PGlite itself. The caller holds the directory lock (see data-dir-lock.ts).
 */
export async function createPgliteClient(dataDir: string): Promise<SqlClient> {
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir, { parsers: { [types.INT8]: (value: string) => Number(value) } });
  } catch (err) {
    throw toStoreError(err, `pglite (${dataDir})`);
  }

  const run = async <R>(runner: QueryRunner, text: string, params?: unknown[]): Promise<R[]> => {
    try {
      return (await runner.query<R>(text, params)).rows;
    } catch (err) {
      throw toStoreError(err, 'pglite');
    }
  };

  return {
    backend: 'pglite',
    query: (text, params) => run(db, text, params),
    async exec(script) {
      try {
        await db.exec(script);
      } catch (err) {
        throw toStoreError(err, 'pglite');
      }
    },
    async transaction(fn) {
      try {
        return await db.transaction((tx) => {
          const executor: SqlExecutor = { query: (text, params) => run(tx, text, params) };
          return fn(executor);
        });
      } catch (err) {
        // Errors thrown by `fn` (already typed) pass through; only driver errors are converted.
        throw err instanceof AppError ? err : toStoreError(err, 'pglite');
      }
    },
    close: () => db.close(),
  };
}
