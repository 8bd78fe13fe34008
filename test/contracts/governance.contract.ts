import { describe, it, expect, afterEach } from 'vitest';
import type { TestBackend, TestStack } from '../support/test-stack.js';
import { useContractStack } from '../support/contract-stack.js';
import { createTestHalt, eventually, type TestHalt } from '../support/test-halt.js';
import { expectRejection } from '../support/expect-rejection.js';
import { createTestKeeper, signAs } from '../support/keepers.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { createPgConstitutionStore } from '../../src/adapters/postgres/pg-constitution.js';
import { createPgVerificationLog } from '../../src/adapters/postgres/pg-verification-log.js';
import { createPgClockDriftLog } from '../../src/adapters/postgres/pg-clock-drift.js';
import { createPgCheckpointStore } from '../../src/adapters/postgres/pg-checkpoint-store.js';
import { ConstitutionWatch } from '../../src/app/constitution-watch.js';
import { requireConfigurationFloors } from '../../src/app/configuration-floors.js';
import { runPreoperationalVerification, type PreoperationalDeps, type PreoperationalOptions } from '../../src/app/preoperational/run-preoperational.js';
import { constitutionalHealth } from '../../src/app/constitutional-health.js';
import { registerKeeperKey, keeperRegistrationStatement } from '../../src/app/keeper-registration.js';
import { newClearStatement } from '../../src/app/halt-service.js';
import { CONSTITUTIONAL_LIMITS, governanceSettings, SETTINGS } from '../../src/domain/governance/constitutional-limits.js';
import { StartupFloorViolationError, StoreError, VerificationError } from '../../src/domain/errors.js';
import { toHex } from '../../src/domain/encoding/bytes.js';
import { toCanonicalTimestamp } from '../../src/domain/chain/timestamp.js';
import type { GovernanceMetrics } from '../../src/app/service-metrics.js';

const minutes = (n: number) => toCanonicalTimestamp(new Date(Date.now() + n * 60_000));
/** HALT_POLL_MS and CHECKPOINT_INTERVAL_SECONDS at their defaults, within the initial governance settings. */
const OPERATIONAL = { haltPollMs: 500, checkpointIntervalSeconds: 60 };

/** Governance metrics a test reads back. */
function recordingMetrics() {
  const failures: string[] = [];
  const metrics: GovernanceMetrics = { countVerificationFailure: (check) => failures.push(check) };
  return { metrics, failures };
}

/**
 * Issue 5 on every backend: the constitutional limits the service knows are the database's; a refused attempt to
 * weaken one is counted despite its rollback and halts the system; pre-operational verification (FR146) checks
 * the chain incrementally, records every run, halts on a broken chain, and bounds its bypass in the database.
 */
export function governanceContract(name: string, backend: () => Promise<TestBackend | undefined>): void {
  describe(`governance: ${name}`, () => {
    let stack: TestStack;
    let halt: TestHalt;
    const alice = createTestKeeper('alice', 1);
    const bob = createTestKeeper('bob', 2);
    const constitution = () => createPgConstitutionStore(stack.client);
    const { metrics, failures } = recordingMetrics();
    const logs: string[] = [];

    useContractStack(backend, async (opened) => {
      stack = opened;
      halt = await createTestHalt(stack);
      logs.length = 0;
      failures.length = 0;
    });
    // Runs before the stack closes (after-hooks run in reverse order of registration).
    afterEach(async () => {
      await halt?.stop();
    });

    const registerKeepers = async () => {
      const deps = { ...stack.services, verify: verifyEd25519Sodium };
      for (const k of [alice, bob]) await registerKeeperKey(deps, signAs(k, keeperRegistrationStatement(k.keeperId, k.keyId, toHex(k.publicKey))), []);
    };
    const deps = (): PreoperationalDeps => ({
      store: stack.store,
      registry: stack.registry,
      keys: stack.keys,
      verify: verifyEd25519Sodium,
      allowDevelopmentKeys: true,
      haltState: halt.state,
      verificationLog: createPgVerificationLog(stack.client),
      clock: systemClock,
      replica: undefined,
      metrics,
      halt: async (reason) => {
        await halt.service.halt({ reason, source: 'verification', actor: 'test' });
      },
      log: (_level, message) => logs.push(message),
    });
    const options = (overrides: Partial<PreoperationalOptions> = {}): PreoperationalOptions => ({
      settings: governanceSettings(new Map()),
      devMode: true,
      bypassRequested: false,
      environment: 'test',
      instance: 'test:1',
      ...overrides,
    });
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) await halt.appender.append(await stack.submission());
    };
    const asOwner = async (sql: string) => stack.client.exec(sql);
    const records = () =>
      stack.client.query<{ outcome: string; chain_from_sequence: number | null; chain_through_sequence: number | null }>(
        'SELECT outcome, chain_from_sequence, chain_through_sequence FROM preoperational_verifications ORDER BY id',
      );

    describe('constitutional limits', () => {
      it('are the same numbers in the service and in the database, for every setting', async () => {
        const rows = await stack.client.query<{ key: string; value: string; floor: string | null; ceiling: string | null }>(
          'SELECT key, value::text AS value, constitutional_floor(key)::text AS floor, constitutional_ceiling(key)::text AS ceiling FROM constitutional_config ORDER BY key',
        );
        const limited = rows.filter((r) => r.floor !== null || r.ceiling !== null);
        expect(limited.map((r) => r.key).sort()).toEqual([...SETTINGS].sort());
        for (const row of limited) {
          const limit = CONSTITUTIONAL_LIMITS[row.key as keyof typeof CONSTITUTIONAL_LIMITS];
          expect({ key: row.key, floor: row.floor === null ? undefined : Number(row.floor), ceiling: row.ceiling === null ? undefined : Number(row.ceiling), value: Number(row.value) }).toEqual({
            key: row.key,
            floor: limit.floor,
            ceiling: limit.ceiling,
            value: limit.initial,
          });
        }
        expect(await requireConfigurationFloors(constitution(), OPERATIONAL)).toEqual(governanceSettings(new Map()));
      });

      it('refuses a change below a floor, above a ceiling, or a delete, and counts each despite the rollback', async () => {
        const store = constitution();
        expect(await store.violationAttempts()).toEqual({ counted: 0, acknowledged: 0 });
        for (const sql of [
          `UPDATE constitutional_config SET value = 1 WHERE key = 'minimum_keeper_quorum'`,
          `UPDATE constitutional_config SET value = 61 WHERE key = 'clock_drift_threshold_seconds'`,
          `DELETE FROM constitutional_config WHERE key = 'checkpoint_max_age_seconds'`,
        ]) {
          const err = await expectRejection(stack.client.query(sql), StoreError, 'STORE_REJECTED');
          expect(err.message).toMatch(/CT-12: .*(floor|ceiling|cannot be deleted)/);
        }
        expect(await store.violationAttempts()).toEqual({ counted: 3, acknowledged: 0 });
        // Tightening is a legitimate change and is not counted.
        await stack.client.query(`UPDATE constitutional_config SET value = 3 WHERE key = 'minimum_keeper_quorum'`);
        expect((await store.violationAttempts()).counted).toBe(3);
      });

      it('acknowledges attempts forward only', async () => {
        const store = constitution();
        await store.acknowledgeViolationAttempts(2);
        await store.acknowledgeViolationAttempts(1);
        expect((await store.violationAttempts()).acknowledged).toBe(2);
        await expectRejection(stack.client.query('UPDATE constitutional_limit_watch SET acknowledged_attempts = 0'), StoreError, 'STORE_REJECTED');
        await expectRejection(stack.client.query('DELETE FROM constitutional_limit_watch'), StoreError, 'STORE_REJECTED');
      });

      it('stops startup on a value changed past its trigger, and on HALT_POLL_MS looser than the confirmation window', async () => {
        await asOwner(`ALTER TABLE constitutional_config DISABLE TRIGGER USER; UPDATE constitutional_config SET value = 4 WHERE key = 'witness_pool_minimum'; ALTER TABLE constitutional_config ENABLE TRIGGER USER;`);
        const err = await expectRejection(requireConfigurationFloors(constitution(), OPERATIONAL), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
        expect(err.message).toContain('constitutional_config.witness_pool_minimum = 4 is below its constitutional floor 6');
        await asOwner(`ALTER TABLE constitutional_config DISABLE TRIGGER USER; UPDATE constitutional_config SET value = 6 WHERE key = 'witness_pool_minimum'; ALTER TABLE constitutional_config ENABLE TRIGGER USER;`);
        const poll = await expectRejection(requireConfigurationFloors(constitution(), { ...OPERATIONAL, haltPollMs: 1500 }), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
        expect(poll.message).toContain('HALT_POLL_MS = 1500 is above its constitutional ceiling 1000');
      });

      it('stops startup on CHECKPOINT_INTERVAL_SECONDS longer than checkpoint_max_age_seconds, tightened or not', async () => {
        const interval = await expectRejection(requireConfigurationFloors(constitution(), { ...OPERATIONAL, checkpointIntervalSeconds: 3601 }), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
        expect(interval.message).toContain('CHECKPOINT_INTERVAL_SECONDS = 3601 is above its constitutional ceiling 3600 (at most constitutional_config.checkpoint_max_age_seconds (3600 s))');
        // Tightening the setting is a legitimate change; the configured interval must then follow it.
        await stack.client.query(`UPDATE constitutional_config SET value = 30 WHERE key = 'checkpoint_max_age_seconds'`);
        const tightened = await expectRejection(requireConfigurationFloors(constitution(), OPERATIONAL), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
        expect(tightened.details).toEqual({
          violations: [{ source: 'CHECKPOINT_INTERVAL_SECONDS', value: 60, bound: 'ceiling', limit: 30, rule: 'at most constitutional_config.checkpoint_max_age_seconds (30 s)' }],
        });
        expect((await requireConfigurationFloors(constitution(), { ...OPERATIONAL, checkpointIntervalSeconds: 30 })).checkpoint_max_age_seconds).toBe(30);
      });
    });

    describe('the constitution watch', () => {
      const watch = () => new ConstitutionWatch({ store: constitution(), halt: async (reason) => void (await halt.service.halt({ reason, source: 'constitution', actor: 'test' })), metrics, log: () => undefined, intervalMs: 60_000 });

      it('halts once for a refused attempt to weaken a limit, even one made while no instance ran', async () => {
        await expectRejection(stack.client.query(`UPDATE constitutional_config SET value = 5 WHERE key = 'witness_pool_minimum'`), StoreError, 'STORE_REJECTED');
        const first = watch();
        await first.start();
        first.stop();
        const record = await halt.state.read();
        expect(record).toMatchObject({ halted: true, source: 'constitution' });
        expect(record.reason).toContain('1 attempt(s) to set a governance threshold outside its constitutional limits');
        expect(failures).toEqual(['constitutional_limits']);
        await eventually(() => halt.guard.current().kind === 'halted');
        // A restarted instance does not halt again for the same attempt.
        const before = await stack.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event_type = 'halt.triggered'`);
        const second = watch();
        await second.start();
        second.stop();
        expect(await stack.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event_type = 'halt.triggered'`)).toEqual(before);
      });

      it('halts when a value out of bounds got past the trigger, once per change', async () => {
        const running = watch();
        await running.start();
        expect((await halt.state.read()).halted).toBe(false);
        await asOwner(`ALTER TABLE constitutional_config DISABLE TRIGGER USER; UPDATE constitutional_config SET value = 10 WHERE key = 'witness_pool_high_stakes_minimum'; ALTER TABLE constitutional_config ENABLE TRIGGER USER;`);
        await running.check();
        await running.check();
        running.stop();
        const record = await halt.state.read();
        expect(record).toMatchObject({ halted: true, source: 'constitution' });
        expect(record.reason).toContain('witness_pool_high_stakes_minimum = 10 is below its constitutional floor 12');
        expect(failures).toEqual(['constitutional_limits']);
      });
    });

    describe('pre-operational verification', () => {
      it('passes, records the run, and verifies the chain from the last verified point on the next start', async () => {
        await write(5);
        const first = await runPreoperationalVerification(deps(), options());
        expect(first.outcome).toEqual({ kind: 'passed' });
        expect(first.results.map((r) => [r.check, r.status])).toEqual([
          ['hash_chain_integrity', 'passed'],
          ['witness_pool_availability', 'passed'],
          ['keeper_key_availability', 'warning'],
          ['checkpoint_anchors', 'skipped'],
          ['halt_state', 'passed'],
          ['replica_sync', 'skipped'],
        ]);
        expect(logs).toContain('pre_operational: Pre-operational verification completed successfully');
        const head = (await stack.store.head())!.sequence;
        await write(3);
        const second = await runPreoperationalVerification(deps(), options());
        expect(second.results[0]!.detail).toBe(`3 event(s) verified: sequences ${head + 1}–${head + 3} (since the last verified point)`);
        const third = await runPreoperationalVerification(deps(), options());
        expect(third.results[0]!.detail).toBe(`no event since the last verified point, sequence ${head + 3}`);
        expect(await records()).toEqual([
          { outcome: 'passed', chain_from_sequence: 1, chain_through_sequence: head },
          { outcome: 'passed', chain_from_sequence: head + 1, chain_through_sequence: head + 3 },
          { outcome: 'passed', chain_from_sequence: null, chain_through_sequence: head + 3 },
        ]);
        await expectRejection(stack.client.query(`UPDATE preoperational_verifications SET outcome = 'passed'`), StoreError, 'STORE_REJECTED');
        await expectRejection(stack.client.query('DELETE FROM preoperational_verifications'), StoreError, 'STORE_REJECTED');
      });

      it('fails on keeper keys below quorum in production, and passes once keepers are registered', async () => {
        const refused = await expectRejection(runPreoperationalVerification(deps(), options({ devMode: false })), VerificationError, 'VERIFICATION_FAILED');
        expect(refused.message).toContain('keeper_key_availability (0 active keepers, fewer than the quorum 2');
        expect(failures).toEqual(['keeper_key_availability']);
        await registerKeepers();
        expect((await runPreoperationalVerification(deps(), options({ devMode: false }))).outcome.kind).toBe('passed');
      });

      it('halts the system and stops startup on a tampered event after the last verified point', async () => {
        await write(3);
        await runPreoperationalVerification(deps(), options());
        await write(3);
        const head = (await stack.store.head())!.sequence;
        await asOwner(`ALTER TABLE events DISABLE TRIGGER USER; UPDATE events SET payload = '{"n":2}' WHERE sequence = ${head - 1}; ALTER TABLE events ENABLE TRIGGER USER;`);
        const err = await expectRejection(runPreoperationalVerification(deps(), options({ bypassRequested: true })), VerificationError, 'VERIFICATION_BYPASS_REFUSED');
        expect(err.message).toContain('hash_chain_integrity cannot be bypassed');
        expect(err.message).toContain(`sequence ${head - 1}: CHAIN_CONTENT_HASH_MISMATCH`);
        expect(await halt.state.read()).toMatchObject({ halted: true, source: 'verification' });
        expect((await records()).at(-1)).toEqual({ outcome: 'failed', chain_from_sequence: head - 2, chain_through_sequence: null });
      });

      it('detects a change to the event at the last verified point', async () => {
        await write(2);
        await runPreoperationalVerification(deps(), options());
        const head = (await stack.store.head())!.sequence;
        await asOwner(`ALTER TABLE events DISABLE TRIGGER USER; UPDATE events SET content_hash = repeat('0', 64) WHERE sequence = ${head}; ALTER TABLE events ENABLE TRIGGER USER;`);
        const err = await expectRejection(runPreoperationalVerification(deps(), options()), VerificationError, 'VERIFICATION_FAILED');
        expect(err.message).toContain(`event ${head} no longer has the content_hash an earlier run verified`);
        expect((await halt.state.read()).halted).toBe(true);
      });

      it('bypasses a failed check at most 3 times an hour, counted in the database across restarts', async () => {
        const bypassing = options({ devMode: false, bypassRequested: true });
        for (let i = 0; i < 3; i++) {
          // A fresh deps() per run: a restarted process that remembers nothing.
          expect((await runPreoperationalVerification(deps(), bypassing)).outcome.kind).toBe('bypassed');
        }
        expect(logs.some((l) => l.includes('verification BYPASSED'))).toBe(true);
        const err = await expectRejection(runPreoperationalVerification(deps(), bypassing), VerificationError, 'VERIFICATION_BYPASS_REFUSED');
        expect(err.message).toContain('3 bypasses were already used in the last 3600 s');
        expect((await records()).map((r) => r.outcome)).toEqual(['bypassed', 'bypassed', 'bypassed', 'failed']);
      });

      it('starts a halted system read-only and never bypasses while halted', async () => {
        await halt.service.halt({ reason: 'investigating', source: 'api', actor: 'admin' });
        const report = await runPreoperationalVerification(deps(), options());
        expect(report.results.find((r) => r.check === 'halt_state')).toMatchObject({ status: 'warning', detail: expect.stringContaining('starting read-only') });
        const err = await expectRejection(runPreoperationalVerification(deps(), options({ devMode: false, bypassRequested: true })), VerificationError, 'VERIFICATION_BYPASS_REFUSED');
        expect(err.message).toContain('the system is halted');
      });

      it('verifies the whole chain after a cleared halt, with no bypass', async () => {
        await registerKeepers();
        await write(2);
        await runPreoperationalVerification(deps(), options());
        await halt.service.halt({ reason: 'investigating', source: 'api', actor: 'admin' });
        const statement = newClearStatement(await halt.state.read(), 'fixed', systemClock.now(), minutes(10));
        await halt.service.clear(statement, [signAs(alice, statement), signAs(bob, statement)]);
        const report = await runPreoperationalVerification(deps(), options());
        expect(report.postHalt).toBe(true);
        expect(report.results[0]!.detail).toContain('the whole chain (post-halt)');
        expect((await records()).at(-1)).toMatchObject({ chain_from_sequence: 1 });
        const replicaDown = { ...deps(), replica: { store: { ...stack.store, head: () => Promise.reject(new Error('replica down')) }, maxLagEvents: 0 } };
        const err = await expectRejection(runPreoperationalVerification(replicaDown, options({ bypassRequested: true })), VerificationError, 'VERIFICATION_BYPASS_REFUSED');
        expect(err.message).toContain('follows a cleared halt');
      }, 30_000);
    });

    describe('constitutional health', () => {
      const health = () =>
        constitutionalHealth({
          ...stack,
          haltState: halt.state,
          constitution: constitution(),
          clockDrift: createPgClockDriftLog(stack.client),
          checkpoints: createPgCheckpointStore(stack.client),
          clock: systemClock,
          operational: OPERATIONAL,
          verification: { outcome: 'passed', completedAt: systemClock.now(), checks: [] },
        });

      it('reports the governance state read from the database', async () => {
        await write(2);
        // An event whose agent clock is 30 s behind the database's: recorded by migration 005 as drift.
        await halt.appender.append(await stack.submission({ localTimestamp: toCanonicalTimestamp(new Date(Date.now() - 30_000)) }));
        const report = await health();
        const head = (await stack.store.head())!;
        expect(report).toMatchObject({
          status: 'unhealthy',
          reasons: ['0 active keepers, fewer than the quorum 2: a halt could not be cleared', '1 clock-drift warning(s) recently'],
          halt: { halted: false },
          chain: { head_sequence: head.sequence, head_hash: head.contentHash },
          witness_pool: { size: 12, minimum: 6, high_stakes_minimum: 12 },
          keepers: { active: 0, quorum: 2 },
          clock_drift: { threshold_seconds: 5, recent_warnings: 1, total_warnings: 1 },
        });
        expect(report.limits.every((l) => l.within)).toBe(true);
        await registerKeepers();
        // A key is active from its active_from, which the database writes to the microsecond; the service clock
        // reads whole milliseconds. Asked within the millisecond of its registration, a key is not active yet.
        await new Promise((resolve) => setTimeout(resolve, 2));
        const healthy = await health();
        expect(healthy).toMatchObject({ status: 'warning', keepers: { active: 2, quorum: 2 } });
      });

      it('counts CHECKPOINT_INTERVAL_SECONDS above a checkpoint_max_age_seconds tightened while running as a violation', async () => {
        await registerKeepers();
        await stack.client.query(`UPDATE constitutional_config SET value = 30 WHERE key = 'checkpoint_max_age_seconds'`);
        const report = await health();
        expect(report.status).toBe('unhealthy');
        expect(report.reasons).toContain('1 governance setting(s) outside their constitutional limits');
        expect(report.checkpoint.max_age_seconds).toBe(30);
        // The setting itself is within its limits; the configuration is what exceeds it.
        expect(report.limits.every((l) => l.within)).toBe(true);
      });
    });
  });
}
