import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createPgClient } from '../../src/adapters/postgres/pg-client.js';
import { createPgliteClient } from '../../src/adapters/pglite/pglite-client.js';
import { createMigrator, MIGRATIONS_DIR } from '../../src/adapters/postgres/migrator.js';
import { StoreError } from '../../src/domain/errors.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { psql, psqlRows } from '../support/psql.js';
import { expectRejection } from '../support/expect-rejection.js';
import type { SqlClient } from '../../src/adapters/postgres/sql-client.js';

const run = await shouldRunPostgres('migrations');
const numbered = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();

/** Tables, columns, triggers and functions of the public schema, in a form two servers can be compared by. */
const SCHEMA_SHAPE = `
  SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
    FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL
  SELECT 'trigger ' || c.relname || '.' || t.tgname || ' ' || t.tgtype || ' ' || p.proname
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n' -- PGlite (PostgreSQL 17+) lists NOT NULL as constraints; columns already carry it
  UNION ALL
  SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  ORDER BY 1`;

describe.runIf(run)('migrations on PostgreSQL', () => {
  let db: TestDatabase;
  let client: SqlClient;
  beforeEach(async () => {
    db = await createTestDatabase();
    client = createPgClient({ connectionString: db.url });
  });
  afterEach(async () => {
    await client.close();
    await db.drop();
  });

  describe('when applied with plain psql -f in order (runbook §4.1)', () => {
    it('applies each file and records it, and archon72 migrate then adopts them without re-running', async () => {
      for (const file of numbered) psql(db.url, ['-f', join(MIGRATIONS_DIR, file)]);
      const recorded = psqlRows(db.url, 'SELECT version, checksum IS NULL FROM schema_migrations ORDER BY version');
      expect(recorded).toEqual(numbered.map((f) => [f.slice(0, 3), 't']));
      const migrator = createMigrator(client);
      expect(await migrator.migrate()).toEqual([]);
      expect(psqlRows(db.url, 'SELECT count(*) FROM schema_migrations WHERE checksum IS NULL')).toEqual([['0']]);
    });

    it('a file run twice fails as a whole and changes nothing', async () => {
      psql(db.url, ['-f', join(MIGRATIONS_DIR, numbered[0]!)]);
      expect(() => psql(db.url, ['-f', join(MIGRATIONS_DIR, numbered[0]!)])).toThrow(/already exists/);
      expect(psqlRows(db.url, 'SELECT count(*) FROM schema_migrations')).toEqual([['1']]);
    });
  });

  describe('archon72 migrate', () => {
    it('applies all migrations once and is idempotent', async () => {
      const migrator = createMigrator(client);
      const applied: string[] = [];
      expect(await migrator.migrate((v) => applied.push(v))).toEqual(numbered.map((f) => f.slice(0, 3)));
      expect(applied).toHaveLength(numbered.length);
      expect(await migrator.migrate()).toEqual([]);
      expect(await migrator.pending()).toEqual([]);
    });

    it('reports pending migrations on an empty database', async () => {
      expect(await createMigrator(client).pending()).toEqual(numbered.map((f) => f.slice(0, 3)));
    });

    describe('when an applied migration file was edited', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'archon72-migrations-'));
        cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      it('refuses to run with STORE_MIGRATION_EDITED', async () => {
        await createMigrator(client, dir).migrate();
        appendFileSync(join(dir, numbered[1]!), '\n-- an innocent-looking edit\n');
        await expectRejection(createMigrator(client, dir).migrate(), StoreError, 'STORE_MIGRATION_EDITED');
        await expectRejection(createMigrator(client, dir).pending(), StoreError, 'STORE_MIGRATION_EDITED');
      });
    });

    describe('when the database has a migration this code does not know', () => {
      it('refuses with STORE_SCHEMA_MISMATCH', async () => {
        await createMigrator(client).migrate();
        await client.query(`INSERT INTO schema_migrations (version, name) VALUES ('999', 'from_the_future')`);
        await expectRejection(createMigrator(client).pending(), StoreError, 'STORE_SCHEMA_MISMATCH');
      });
    });

    describe('when a migration fails midway', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'archon72-migrations-'));
        cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      it('rolls that file back completely and reports STORE_MIGRATION_FAILED', async () => {
        const broken = `${dir}/${numbered[2]}`;
        const { readFileSync, writeFileSync } = await import('node:fs');
        writeFileSync(broken, readFileSync(broken, 'utf8').replace('COMMIT;', 'SELECT 1/0;\nCOMMIT;'));
        await expectRejection(createMigrator(client, dir).migrate(), StoreError, 'STORE_MIGRATION_FAILED');
        const versions = await client.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.map((r) => r.version)).toEqual(['001', '002']);
        expect(await client.query(`SELECT to_regclass('public.agent_keys') AS t`)).toEqual([{ t: null }]);
      });
    });
  });

  describe('on PGlite and PostgreSQL', () => {
    it('produces the same schema', async () => {
      await createMigrator(client).migrate();
      const lite = await createPgliteClient('memory://');
      try {
        await createMigrator(lite).migrate();
        const shape = async (c: SqlClient) => (await c.query<{ '?column?': string }>(SCHEMA_SHAPE)).map((r) => Object.values(r)[0]);
        const [onPg, onLite] = [await shape(client), await shape(lite)];
        expect(onPg.length).toBeGreaterThan(50);
        expect(onLite).toEqual(onPg);
      } finally {
        await lite.close();
      }
    });
  });
});
