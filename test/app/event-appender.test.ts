import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { createPgClient } from '../../src/adapters/postgres/pg-client.js';
import { createPgEventStore } from '../../src/adapters/postgres/pg-event-store.js';
import { createPgHaltStateStore } from '../../src/adapters/postgres/pg-halt-state.js';
import { createInProcessHaltChannel } from '../../src/adapters/halt/in-process-halt-channel.js';
import { createPromMetrics, type PromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { EventAppender, MAX_SUBMISSION_BATCH } from '../../src/app/event-appender.js';
import { HaltService } from '../../src/app/halt-service.js';
import { toCanonicalTimestamp } from '../../src/domain/chain/timestamp.js';
import { ConfigError, InputError, SignatureError, StoreError } from '../../src/domain/errors.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { expectCode } from '../support/expect-code.js';
import { expectRejection } from '../support/expect-rejection.js';
import type { SqlClient } from '../../src/adapters/postgres/sql-client.js';
import type { Clock } from '../../src/app/ports.js';

describe('EventAppender', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack();
  });
  afterAll(async () => stack.close());

  describe('when the store cannot be reached', () => {
    let dead: SqlClient;
    beforeAll(() => {
      dead = createPgClient({ connectionString: 'postgresql://postgres@127.0.0.1:1/nothing' });
    });
    afterAll(async () => dead.close());

    it('fails every waiting append with STORE_UNAVAILABLE instead of queueing it for later', async () => {
      const appender = new EventAppender({ store: createPgEventStore(dead), keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium });
      const submissions = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.submission({ payload: { i } })));
      const results = await Promise.allSettled(submissions.map((s) => appender.append(s)));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
        expect(((r as PromiseRejectedResult).reason as StoreError).code).toBe('STORE_UNAVAILABLE');
      }
      await appender.flush(); // nothing left in flight or queued
    });
  });

  describe('once every append has resolved', () => {
    it('has no transaction left open, not even an empty one', async () => {
      for (let i = 0; i < 5; i++) {
        await stack.appender.append(await stack.submission());
        await new Promise((resolve) => setImmediate(resolve)); // let the finished transaction's bookkeeping run
        expect(stack.appender.openTransactions).toBe(0);
      }
      expect((await stack.store.head())?.sequence).toBe(5);
    });
  });
});

describe('EventAppender submission window', () => {
  let stack: TestStack;
  /** The server's clock, as the appender sees it: real time plus whatever a test sets. */
  let skewMs = 0;
  const clock: Clock = { now: () => toCanonicalTimestamp(new Date(Date.now() + skewMs)) };
  const secondsAgo = (s: number) => toCanonicalTimestamp(new Date(Date.now() - s * 1000));
  let windowed: EventAppender;

  beforeAll(async () => {
    stack = await createTestStack();
    windowed = new EventAppender({ store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium, clock }, { submissionWindowMs: 300_000 });
  });
  afterEach(() => {
    skewMs = 0;
  });
  afterAll(async () => stack.close());

  const head = async () => (await stack.store.head())?.sequence ?? 0;

  describe('when it is built', () => {
    it('refuses a window without a clock, or a negative one, with CONFIG_INVALID', () => {
      const deps = { store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium };
      expectCode(() => new EventAppender(deps, { submissionWindowMs: 300_000 }), ConfigError, 'CONFIG_INVALID');
      expectCode(() => new EventAppender({ ...deps, clock }, { submissionWindowMs: -1 }), ConfigError, 'CONFIG_INVALID');
      expectCode(() => new EventAppender({ ...deps, clock }, { submissionWindowMs: Number.POSITIVE_INFINITY }), ConfigError, 'CONFIG_INVALID');
    });
  });

  describe('submit', () => {
    it('stores a submission signed within the window', async () => {
      const stored = await windowed.submit(await stack.submission({ localTimestamp: secondsAgo(290) }));
      expect(stored.sequence).toBe(await head());
    });

    it('refuses one signed longer ago than the window with INPUT_TIMESTAMP_OUTSIDE_WINDOW, naming both times', async () => {
      const before = await head();
      const local = secondsAgo(310);
      const err = await expectRejection(windowed.submit(await stack.submission({ localTimestamp: local })), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
      expect(err.details).toMatchObject({ localTimestamp: local, windowSeconds: 300 });
      expect(await head()).toBe(before);
    });

    it('refuses one dated further ahead than the window', async () => {
      skewMs = -310_000; // the server's clock is 310 s behind the agent's
      await expectRejection(windowed.submit(await stack.submission()), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
    });

    it('checks nothing when no window is configured', async () => {
      const stored = await stack.appender.submit(await stack.submission({ localTimestamp: secondsAgo(86_400) }));
      expect(stored.sequence).toBe(await head());
    });
  });

  describe('append and appendExclusive (the service\'s own events)', () => {
    it('never apply the window', async () => {
      const stored = await windowed.append(await stack.submission({ localTimestamp: secondsAgo(86_400) }));
      expect(stored.sequence).toBe(await head());
    });
  });

  describe('submitAll', () => {
    it('refuses the whole batch when one submission is outside the window, naming its index', async () => {
      const before = await head();
      const submissions = [await stack.submission(), await stack.submission(), await stack.submission({ localTimestamp: secondsAgo(400) })];
      const err = await expectRejection(windowed.submitAll(submissions), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
      expect(err.details?.index).toBe(2);
      expect(await head()).toBe(before);
    });

    it.each([0, MAX_SUBMISSION_BATCH + 1])('refuses %i submissions with INPUT_FIELD_INVALID naming events', async (n) => {
      const submissions = await Promise.all(Array.from({ length: n }, () => stack.submission()));
      const err = await expectRejection(windowed.submitAll(submissions), InputError, 'INPUT_FIELD_INVALID');
      expect(err.details).toEqual({ field: 'events' });
    });
  });
});

describe('EventAppender metrics', () => {
  let stack: TestStack;
  let metrics: PromMetrics;
  let appender: EventAppender;

  beforeAll(async () => {
    stack = await createTestStack();
    metrics = createPromMetrics();
    appender = new EventAppender({ store: stack.store, keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium, metrics: metrics.append });
  });
  afterAll(async () => stack.close());

  const read = async (name: string, series = name) => {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    return metric?.values.find((v) => ((v as { metricName?: string }).metricName ?? name) === series)?.value ?? 0;
  };
  const appended = () => read('archon72_events_appended_total');
  const observed = () => read('archon72_append_duration_seconds', 'archon72_append_duration_seconds_count');
  const headGauge = () => read('archon72_chain_head_sequence');

  it('counts every event of every group commit, one duration each, and sets the head', async () => {
    const submissions = await Promise.all(Array.from({ length: 30 }, (_, i) => stack.submission({ payload: { i } })));
    const stored = await Promise.all(submissions.map((s) => appender.append(s)));
    expect(await appended()).toBe(30);
    expect(await observed()).toBe(30);
    const sum = await read('archon72_append_duration_seconds', 'archon72_append_duration_seconds_sum');
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(30 * 60);
    expect(await headGauge()).toBe(Math.max(...stored.map((e) => e.sequence)));
  });

  it('counts only what committed when a refused event makes the group retry one by one', async () => {
    const before = await appended();
    const submissions = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.submission({ payload: { i } })));
    const results = await Promise.allSettled([...submissions, submissions[0]!].map((s) => appender.append(s)));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect((await appended()) - before).toBe(10);
    expect(await observed()).toBe(before + 10);
    expect(await headGauge()).toBe((await stack.store.head())?.sequence);
  });

  it('counts a batch as one transaction of all its events', async () => {
    const before = await appended();
    const stored = await appender.submitAll(await Promise.all(Array.from({ length: 7 }, () => stack.submission())));
    expect((await appended()) - before).toBe(7);
    expect(await headGauge()).toBe(stored.at(-1)?.sequence);
  });

  it('counts nothing for a refused batch', async () => {
    const before = await appended();
    const [good, bad] = [await stack.submission(), await stack.submission()];
    await expectRejection(appender.submitAll([good, { ...bad, payload: { changed: true } }]), SignatureError, 'SIG_INVALID');
    expect(await appended()).toBe(before);
  });

  it('counts an exclusive append (a halt with its event)', async () => {
    const before = await appended();
    const service = new HaltService({
      state: createPgHaltStateStore(stack.client),
      channel: createInProcessHaltChannel(),
      appender,
      registry: stack.registry,
      keys: stack.keys,
      custody: stack.custody,
      clock: systemClock,
      verify: verifyEd25519Sodium,
      warn: () => undefined,
    });
    const record = await service.halt({ reason: 'metrics test', source: 'api', actor: 'admin' });
    expect((await appended()) - before).toBe(1);
    expect(await headGauge()).toBe(record.haltEventSequence);
  });
});
