/**
 * The little the event store needs from a PostgreSQL connection, so the same SQL runs on a `pg` pool and on
 * embedded PGlite. Rows come back as plain objects; int8 columns are parsed to numbers by both drivers'
 * configuration (sequences stay far below 2^53).
 */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface SqlClient extends SqlExecutor {
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Human-readable name of the backend for logs: 'postgresql' or 'pglite'. */
  readonly backend: 'postgresql' | 'pglite';
}

/** SQL expression rendering a timestamptz as a canonical protocol timestamp (UTC, six fractional digits, Z). */
export function canonicalTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
