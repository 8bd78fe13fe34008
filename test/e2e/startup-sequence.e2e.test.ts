import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomPort, runCli } from '../support/run-cli.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { createTestStack } from '../support/test-stack.js';
import { psql, psqlRows } from '../support/psql.js';
import { startServe } from '../support/serve-process.js';
import { eventually } from '../support/test-halt.js';
import { UNREACHABLE_COSIGNERS } from '../support/witness-processes.js';

const runPg = await shouldRunPostgres('startup sequence against PostgreSQL');

type Result = ReturnType<typeof runCli>;

/** One line on stderr naming the error, a non-zero exit, and nothing ever listening. */
function expectRefusal(result: Result, status: number, line: RegExp): void {
  expect(result.status, result.stderr).toBe(status);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(line);
  expect(result.stdout).not.toMatch(/Server listening/);
}

/**
 * Issue 5's startup sequence through the real entry point (`archon72 serve`), in its order: configuration,
 * DEV_MODE/ENVIRONMENT consistency (with, in production, the checkpoint origin and cosigners), HSM, configuration
 * floors, pending migrations, pre-operational verification. Each refusal is one line and a non-zero exit; an
 * earlier step's failure hides a later one's.
 */
describe('archon72 serve: the startup sequence', () => {
  let dir: string;
  let dataDir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    dataDir = mkdtempSync(join(dir, 'data-'));
  });

  const dev = (env: Record<string, string> = {}, args: string[] = ['--migrate']) =>
    runCli(['serve', ...args], { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: dataDir, API_PORT: randomPort(), ...env });
  const production = (env: Record<string, string> = {}) =>
    runCli(['serve'], { DEV_MODE: 'false', ENVIRONMENT: 'production', ARCHON72_DATA_DIR: dataDir, API_PORT: randomPort(), ...env });
  /** What gets production past its configuration step: an origin, two cosigners and a PostgreSQL URL (none reached). */
  const checkpointing = { CHECKPOINT_ORIGIN: 'archon72.test/startup', CHECKPOINT_COSIGNERS: UNREACHABLE_COSIGNERS, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' };

  it('1. configuration: a bad value names the variable and what it accepts, before anything else', () => {
    expectRefusal(dev({ API_PORT: 'eighty' }), 2, /^archon72: CONFIG_INVALID: API_PORT="eighty" is invalid; expected a port number 1–65535$/m);
    expectRefusal(dev({ REPLICA_MAX_LAG_EVENTS: '-1' }), 2, /CONFIG_INVALID: REPLICA_MAX_LAG_EVENTS="-1" is invalid; expected a whole number 0–1000000/);
    expectRefusal(dev({ DATABASE_READ_URL: 'postgresql://replica/db' }), 2, /CONFIG_INVALID: DATABASE_READ_URL is set without DATABASE_URL/);
    // A bad value comes before the DEV_MODE/ENVIRONMENT check.
    expectRefusal(dev({ ENVIRONMENT: 'production', LOG_LEVEL: 'loud' }), 2, /CONFIG_INVALID: LOG_LEVEL="loud" is invalid/);
    // Cosigners fewer than the quorum are a bad value in any environment, before production's own checks.
    const [one] = UNREACHABLE_COSIGNERS.split(';');
    expectRefusal(production({ CHECKPOINT_COSIGNERS: one as string }), 2, /^archon72: CONFIG_INVALID: CHECKPOINT_COSIGNERS lists 1 cosigners; CHECKPOINT_COSIGNER_QUORUM=2 can never be met$/m);
  });

  it('2. DEV_MODE/ENVIRONMENT consistency comes before the HSM and the floors', () => {
    // Production without a checkpoint origin or cosigners: the mismatch is reported first.
    expectRefusal(dev({ ENVIRONMENT: 'production', HALT_POLL_MS: '5000' }), 2, /^archon72: DevModeEnvironmentMismatchError: CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH: /);
  });

  it('2. in production, a missing CHECKPOINT_ORIGIN, then too few CHECKPOINT_COSIGNERS, then no DATABASE_URL, stop startup before the HSM and the floors', () => {
    // No HSM configured and HALT_POLL_MS above its ceiling either: the configuration step reports first.
    expectRefusal(
      production({ HALT_POLL_MS: '5000', CHECKPOINT_COSIGNERS: UNREACHABLE_COSIGNERS }),
      2,
      /^archon72: CONFIG_INVALID: CHECKPOINT_ORIGIN is unset; production needs the log's name for its checkpoints \(e\.g\. log\.example\.org\/archon72\), and it must never change$/m,
    );
    expectRefusal(
      production({ HALT_POLL_MS: '5000', CHECKPOINT_ORIGIN: checkpointing.CHECKPOINT_ORIGIN }),
      2,
      /^archon72: CONFIG_INVALID: CHECKPOINT_COSIGNERS is empty; production \(ENVIRONMENT=production\) needs at least CHECKPOINT_COSIGNER_QUORUM=2 checkpoint cosigners \(archon72 witness serve\), or no checkpoint is ever witnessed$/m,
    );
    expectRefusal(
      production({ HALT_POLL_MS: '5000', CHECKPOINT_ORIGIN: checkpointing.CHECKPOINT_ORIGIN, CHECKPOINT_COSIGNERS: UNREACHABLE_COSIGNERS }),
      2,
      /^archon72: CONFIG_INVALID: DATABASE_URL is unset; ENVIRONMENT=production serves from PostgreSQL \(postgresql:\/\/…\): instances on embedded PGlite would each keep a log of their own\./m,
    );
    // A development ENVIRONMENT may run unwitnessed (DEV_MODE=false on a test HSM) on PGlite: it gets as far as the HSM.
    expectRefusal(production({ ENVIRONMENT: 'development', CHECKPOINT_ORIGIN: checkpointing.CHECKPOINT_ORIGIN }), 2, /^archon72: HSMNotConfiguredError: CUSTODY_HSM_NOT_CONFIGURED: /);
  });

  it('ALLOW_VERIFICATION_BYPASS=true is itself a startup error in production', () => {
    expectRefusal(runCli(['serve'], { ALLOW_VERIFICATION_BYPASS: 'true', ARCHON72_DATA_DIR: dataDir }), 2, /^archon72: CONFIG_FORBIDDEN: ALLOW_VERIFICATION_BYPASS=true is forbidden in production \(ENVIRONMENT=production; runbook §7\.1\)/);
  });

  it('3. the HSM comes before the floors', () => {
    expectRefusal(production({ ...checkpointing, HALT_POLL_MS: '5000', CHECKPOINT_INTERVAL_SECONDS: '7200' }), 2, /^archon72: HSMNotConfiguredError: CUSTODY_HSM_NOT_CONFIGURED: /);
  });

  it('4. configuration floors: configuration looser than a governance setting stops startup, before migrations are looked at', () => {
    expectRefusal(
      dev({ HALT_POLL_MS: '1500' }, []),
      2,
      /^archon72: StartupFloorViolationError: CONFIG_FLOOR_VIOLATION: HALT_POLL_MS = 1500 is above its constitutional ceiling 1000 \(at most constitutional_config\.halt_confirmation_window_ms \(1000 ms\)\)/,
    );
    expectRefusal(
      dev({ CHECKPOINT_INTERVAL_SECONDS: '7200' }, []),
      2,
      /^archon72: StartupFloorViolationError: CONFIG_FLOOR_VIOLATION: CHECKPOINT_INTERVAL_SECONDS = 7200 is above its constitutional ceiling 3600 \(at most constitutional_config\.checkpoint_max_age_seconds \(3600 s\)\); restore the value/,
    );
  });

  it('5. pending migrations: refused unless told to migrate', () => {
    expectRefusal(dev({}, []), 1, /^archon72: STORE_MIGRATIONS_PENDING: the database has 13 pending migration\(s\) \(001, .*013\); run `archon72 migrate` first$/m);
  });

  describe.runIf(runPg)('against PostgreSQL', () => {
    let db: TestDatabase;
    let pgDataDir: string;
    beforeEach(async () => {
      db = await createTestDatabase();
      pgDataDir = mkdtempSync(join(dir, 'pg-data-'));
      // Events written with the keys the server will use (its data directory is the stack's).
      const stack = await createTestStack({ kind: 'postgresql', url: db.url }, { dataDir: pgDataDir });
      for (let i = 1; i <= 10; i++) await stack.appender.append(await stack.submission({ payload: { i } }));
      await stack.close();
    }, 60_000);
    afterEach(async () => db?.drop());

    const serve = (env: Record<string, string> = {}) =>
      runCli(['serve'], { DEV_MODE: 'true', ENVIRONMENT: 'development', DATABASE_URL: db.url, ARCHON72_DATA_DIR: pgDataDir, API_PORT: randomPort(), ...env });
    const asSuperuser = (table: string, sql: string) => psql(db.url, ['-c', `BEGIN; ALTER TABLE ${table} DISABLE TRIGGER USER; ${sql}; ALTER TABLE ${table} ENABLE TRIGGER USER; COMMIT;`]);

    it('4. configuration floors: a constitutional_config value changed past its trigger stops startup', () => {
      asSuperuser('constitutional_config', `UPDATE constitutional_config SET value = 3 WHERE key = 'witness_pool_minimum'`);
      expectRefusal(serve(), 2, /^archon72: StartupFloorViolationError: CONFIG_FLOOR_VIOLATION: constitutional_config\.witness_pool_minimum = 3 is below its constitutional floor 6 \(at least 6 witnesses\)/);
    });

    it('4. configuration floors: checkpoint_max_age_seconds tightened below CHECKPOINT_INTERVAL_SECONDS stops startup', () => {
      // Tightening is a legitimate change (no trigger refuses it); the configured interval must follow it.
      psql(db.url, ['-c', `UPDATE constitutional_config SET value = 30 WHERE key = 'checkpoint_max_age_seconds'`]);
      expectRefusal(
        serve(),
        2,
        /^archon72: StartupFloorViolationError: CONFIG_FLOOR_VIOLATION: CHECKPOINT_INTERVAL_SECONDS = 60 is above its constitutional ceiling 30 \(at most constitutional_config\.checkpoint_max_age_seconds \(30 s\)\)/,
      );
    });

    it('6. pre-operational verification: a tampered event stops startup, halts the system, and is recorded', () => {
      asSuperuser('events', `UPDATE events SET payload = '{"i": 700}' WHERE sequence = 7`);
      const result = serve();
      expectRefusal(result, 1, /^archon72: VERIFICATION_FAILED: pre_operational verification failed: hash_chain_integrity \(sequence 7: CHAIN_CONTENT_HASH_MISMATCH: /);
      expect(result.stdout).toMatch(/pre_operational: hash_chain_integrity failed: sequence 7/);
      expect(psqlRows(db.url, 'SELECT is_halted, source FROM halt_state')).toEqual([['t', 'verification']]);
      expect(psqlRows(db.url, 'SELECT outcome FROM preoperational_verifications ORDER BY id')).toEqual([['failed']]);
      // Halted now: the next start refuses to bypass anything, and a chain fault is never bypassable.
      expectRefusal(serve({ ALLOW_VERIFICATION_BYPASS: 'true' }), 1, /^archon72: VERIFICATION_BYPASS_REFUSED: .*hash_chain_integrity cannot be bypassed/);
    });

    it('6. pre-operational verification: replica sync fails for an unreachable replica; a development bypass starts at most 3 times an hour', async () => {
      const replica = { DATABASE_READ_URL: 'postgresql://postgres@127.0.0.1:1/none' };
      expectRefusal(serve(replica), 1, /^archon72: VERIFICATION_FAILED: pre_operational verification failed: replica_sync \(the replica cannot be read: /);
      for (let i = 1; i <= 3; i++) {
        const port = Number(randomPort());
        const server = await startServe({ DEV_MODE: 'true', ENVIRONMENT: 'development', DATABASE_URL: db.url, ARCHON72_DATA_DIR: pgDataDir, ALLOW_VERIFICATION_BYPASS: 'true', ...replica }, port);
        try {
          const ready = await fetch(`${server.url}/v1/ready`);
          expect(ready.status).toBe(200);
          expect(await ready.json()).toMatchObject({ status: 'ready', verification: 'bypassed' });
          const health = (await (await fetch(`${server.url}/v1/health/constitutional`)).json()) as { status: string; reasons: string[] };
          expect(health.reasons).toContain('pre-operational verification was bypassed (ALLOW_VERIFICATION_BYPASS)');
        } finally {
          expect((await server.stop()).code).toBe(0);
        }
        expect(server.process.out.stdout).toMatch(/pre_operational: verification BYPASSED/);
      }
      expectRefusal(serve({ ...replica, ALLOW_VERIFICATION_BYPASS: 'true' }), 1, /^archon72: VERIFICATION_BYPASS_REFUSED: .*3 bypasses were already used in the last 3600 s \(at most 3\)/);
      expect(psqlRows(db.url, 'SELECT outcome FROM preoperational_verifications ORDER BY id').map((r) => r[0])).toEqual(['failed', 'bypassed', 'bypassed', 'bypassed', 'failed']);
    }, 120_000);

    it('a runtime change below a floor is refused by the database and halts the running system', async () => {
      const server = await startServe({ DEV_MODE: 'true', ENVIRONMENT: 'development', DATABASE_URL: db.url, ARCHON72_DATA_DIR: pgDataDir }, Number(randomPort()));
      try {
        expect((await (await fetch(`${server.url}/v1/halt`)).json()) as object).toMatchObject({ halted: false });
        expect(() => psql(db.url, ['-c', `UPDATE constitutional_config SET value = 1 WHERE key = 'minimum_keeper_quorum'`])).toThrow(/below its constitutional floor 2/);
        expect(psqlRows(db.url, `SELECT value FROM constitutional_config WHERE key = 'minimum_keeper_quorum'`)).toEqual([['2']]);
        await eventually(async () => ((await (await fetch(`${server.url}/v1/halt`)).json()) as { halted: boolean }).halted, 15_000);
        expect(psqlRows(db.url, 'SELECT source FROM halt_state')).toEqual([['constitution']]);
        const health = (await (await fetch(`${server.url}/v1/health/constitutional`)).json()) as { status: string; halt: { halted: boolean; reason: string } };
        expect(health).toMatchObject({ status: 'unhealthy', halt: { halted: true } });
        expect(health.halt.reason).toContain('attempt(s) to set a governance threshold outside its constitutional limits');
      } finally {
        await server.stop();
      }
    }, 60_000);
  });
});
