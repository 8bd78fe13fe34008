import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../../domain/errors.js';
import type { SchemaMigrator } from '../../app/ports.js';
import type { SqlClient } from './sql-client.js';

/** The repository's migrations/ folder, found relative to this file in src/ and in dist/src/. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../' + (import.meta.url.includes('/dist/src/') ? '../' : '') + 'migrations/', import.meta.url));

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

const SQL = {
  migrationsTableExists: `SELECT to_regclass('public.schema_migrations') IS NOT NULL AS present`,
  applied: `SELECT version, name, checksum FROM schema_migrations ORDER BY version`,
  recordChecksum: `UPDATE schema_migrations SET checksum = $2 WHERE version = $1`,
} as const;

interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string | null;
}

/** Reads the numbered migration files in order. */
export function readMigrationFiles(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .map((file) => ({ file, match: FILE_NAME.exec(file) }))
    .filter((f): f is { file: string; match: RegExpExecArray } => f.match !== null)
    .sort((a, b) => a.file.localeCompare(b.file))
    .map(({ file, match }) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: match[1] as string, name: match[2] as string, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies migrations/NNN_*.sql in order. Each file is its own transaction and records itself in
 * schema_migrations (so plain `psql -f` works too); the migrator then stores the file's SHA-256. A row applied by
 * psql (checksum NULL) is adopted: its checksum is recorded from the current file. An applied file whose checksum
 * differs stops everything with STORE_MIGRATION_EDITED: history is never re-run or silently changed.
 */
export function createMigrator(client: SqlClient, dir: string = MIGRATIONS_DIR): SchemaMigrator {
  const files = readMigrationFiles(dir);

  async function checkApplied(): Promise<Map<string, AppliedRow>> {
    const [presence] = await client.query<{ present: boolean }>(SQL.migrationsTableExists);
    if (!presence?.present) return new Map();
    const rows = await client.query<AppliedRow>(SQL.applied);
    const applied = new Map(rows.map((r) => [r.version, r]));
    for (const row of rows) {
      const file = files.find((f) => f.version === row.version);
      if (file === undefined) {
        throw new StoreError({
          code: 'STORE_SCHEMA_MISMATCH',
          message: `the database has migration ${row.version}_${row.name}, which this version of archon72 does not know; run a newer release`,
        });
      }
      if (row.checksum === null) {
        await client.query(SQL.recordChecksum, [row.version, file.checksum]);
      } else if (row.checksum !== file.checksum) {
        throw new StoreError({
          code: 'STORE_MIGRATION_EDITED',
          message: `migration ${row.version}_${row.name}.sql was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… on disk); restore the original file and add a new migration instead`,
          details: { version: row.version },
        });
      }
    }
    return applied;
  }

  return {
    async pending() {
      const applied = await checkApplied();
      return files.filter((f) => !applied.has(f.version)).map((f) => f.version);
    },
    async migrate(onApplied) {
      const applied = await checkApplied();
      const done: string[] = [];
      for (const file of files) {
        if (applied.has(file.version)) continue;
        try {
          await client.exec(file.sql);
        } catch (err) {
          throw new StoreError({
            code: 'STORE_MIGRATION_FAILED',
            message: `migration ${file.version}_${file.name}.sql failed and was rolled back: ${(err as Error).message}`,
            cause: err,
          });
        }
        await client.query(SQL.recordChecksum, [file.version, file.checksum]);
        done.push(file.version);
        onApplied?.(file.version, file.name);
      }
      return done;
    },
  };
}
