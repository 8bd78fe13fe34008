import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../support/run-cli.js';
import { freePort, shouldRunOwnRedis, startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { shouldRunPgCluster, startPgCluster, type PgCluster, type PgStopMode } from '../support/pg-cluster.js';
import { eventWriterSigner, postSubmission, startServe, type EventWriterSigner, type ServeProcess, type SubmitOutcome } from '../support/serve-process.js';

const EVENT_TYPE = 'test.service_fault';
/** How long each fault or recovery may take to show: "within seconds". */
const WITHIN_MS = 10_000;
/** Concurrent writers while PostgreSQL is stopped under them. */
const LOAD_CLIENTS = 8;

interface Json {
  status: number;
  body: Record<string, unknown>;
}

async function getJson(url: string, path: string): Promise<Json> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `check` every 50 ms until it holds and returns how long that took; throws naming `what` after `timeoutMs`. Errors propagate. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = WITHIN_MS): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every write a test made, by outcome, to check the log against afterwards. */
class WriteLedger {
  readonly acked = new Map<string, number>();
  /** Refused before the event was queued (by the halt guard): it must never be stored. */
  readonly refused = new Set<string>();
  /**
   * Failed with STORE_UNAVAILABLE: the connection may have died after PostgreSQL committed but before it said so, so
   * the event may be stored (the caller retries with the same event_id; a 409 STORE_CONFLICT says it was).
   */
  readonly unknown = new Set<string>();

  constructor(
    private readonly url: () => string,
    private readonly writer: () => EventWriterSigner,
  ) {}

  /** One POST /v1/events, recorded by outcome. */
  async write(tag: string): Promise<SubmitOutcome & { kind: 'answered' }> {
    const submission = await this.writer().submission(EVENT_TYPE, { tag });
    const outcome = await postSubmission(this.url(), submission);
    if (outcome.kind !== 'answered') throw new Error(`POST /v1/events got no answer (${outcome.error}): the server should stay up`);
    if (outcome.status === 201 && outcome.sequence !== undefined) this.acked.set(submission.eventId, outcome.sequence);
    else if (outcome.code === 'STORE_UNAVAILABLE') this.unknown.add(submission.eventId);
    else this.refused.add(submission.eventId);
    return outcome;
  }

  /**
   * Writes until one is refused with 503 `code`, and returns how long that took and the codes seen on the way. Before
   * it, only 201 (the fault not noticed yet) or a 503 with one of `before` is accepted.
   */
  async untilRefused(code: string, before: string[] = []): Promise<{ ms: number; seen: string[] }> {
    const seen: string[] = [];
    const ms = await until(`a write refused with 503 ${code}`, async () => {
      const outcome = await this.write('probe');
      seen.push(String(outcome.code ?? outcome.status));
      if (outcome.status === 201) return false;
      expect({ status: outcome.status, code: outcome.code }, JSON.stringify(outcome.body)).toEqual({ status: 503, code: expect.toBeOneOf([code, ...before]) });
      return outcome.code === code;
    });
    return { ms, seen };
  }

  /**
   * Starts `clients` writers posting back to back until the returned function is called (which resolves once they
   * have stopped, with the number of answers by status and code). Every answer must be a 201 or a 503 with one of
   * `codes`: a fault must never surface as a 500 or as a lost connection.
   */
  load(clients: number, codes: string[]): () => Promise<Record<string, number>> {
    let stop = false;
    const counts: Record<string, number> = {};
    const writers = Array.from({ length: clients }, async () => {
      while (!stop) {
        const outcome = await this.write('load');
        const key = outcome.status === 201 ? '201' : `${outcome.status} ${outcome.code ?? ''}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (outcome.status === 201) continue;
        expect({ status: outcome.status, code: outcome.code }, JSON.stringify(outcome.body)).toEqual({ status: 503, code: expect.toBeOneOf(codes) });
        await new Promise((r) => setTimeout(r, 20)); // refusals are instant: pace them
      }
    });
    return async () => {
      stop = true;
      await Promise.all(writers);
      return counts;
    };
  }

  /** Writes until one is accepted; before it, only a 503 with one of `codes` is accepted. */
  async untilAccepted(codes: string[]): Promise<number> {
    return until('a write accepted (201)', async () => {
      const outcome = await this.write('recovery');
      if (outcome.status === 201) return true;
      expect({ status: outcome.status, code: outcome.code }, JSON.stringify(outcome.body)).toEqual({ status: 503, code: expect.toBeOneOf(codes) });
      return false;
    });
  }

  /** The next `n` writes are all refused with 503 `code`. */
  async expectRefused(code: string, n = 3): Promise<void> {
    for (let i = 0; i < n; i++) {
      const outcome = await this.write('refused');
      expect({ status: outcome.status, code: outcome.code }, JSON.stringify(outcome.body)).toEqual({ status: 503, code });
    }
  }

  /**
   * Every acknowledged event is stored at its sequence, no refused one is, every other stored test event is one whose
   * outcome the writer could not know, and verify-db accepts the chain.
   */
  expectLog(env: Record<string, string>): Array<{ event_type: string }> {
    const tail = runCli(['events', 'tail', '-n', '10000'], env);
    expect(tail.status, tail.stderr).toBe(0);
    const events = tail.stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { sequence: number; event_id: string; event_type: string });
    const stored = new Map(events.map((e) => [e.event_id, e.sequence]));
    expect(this.acked.size).toBeGreaterThan(0);
    for (const [eventId, sequence] of this.acked) expect(stored.get(eventId), eventId).toBe(sequence);
    for (const eventId of this.refused) expect(stored.has(eventId), eventId).toBe(false);
    for (const e of events) if (e.event_type === EVENT_TYPE && !this.acked.has(e.event_id)) expect(this.unknown.has(e.event_id), e.event_id).toBe(true);
    const storedUnknown = [...this.unknown].filter((eventId) => stored.has(eventId)).length;
    console.info(`log: ${this.acked.size} acknowledged writes all stored; ${this.refused.size} refused, none stored; ${this.unknown.size} STORE_UNAVAILABLE, ${storedUnknown} of them stored`);
    const verify = runCli(['verify-db'], env);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(new RegExp(`^OK: ${events.length} events verified \\(sequence 1\\.\\.${events.length}\\)$`, 'm'));
    return events;
  }
}

/**
 * What a suite's beforeAll sets up (its temporary directory, the server's environment and the server itself) and
 * the ledger of every write the suite makes to that server.
 */
class ServedSuite {
  dir: string | undefined;
  env: Record<string, string> = {};
  server!: ServeProcess;
  readonly ledger = new WriteLedger(
    () => this.server.url,
    () => eventWriterSigner(this.env.ARCHON72_DATA_DIR as string),
  );
}

/** The process is still running and still answers liveness. */
async function expectAlive(server: ServeProcess): Promise<void> {
  expect(server.process.child.exitCode).toBeNull();
  const health = await getJson(server.url, '/v1/health');
  expect(health.status).toBe(200);
  expect(health.body.status).toBe('ok');
}

const PG_SUITE = 'archon72 serve with its PostgreSQL stopped';
const runPostgres = shouldRunPgCluster(PG_SUITE);

/**
 * A private PostgreSQL cluster (initdb, pg_ctl) under a running `archon72 serve`: stopped as in a crash
 * (`-m immediate`) and as an administrator stops it (`-m fast`), then started again. The server must report not
 * ready, refuse writes (fail closed) and stay alive, then recover by itself.
 */
describe.runIf(runPostgres)('archon72 serve with its PostgreSQL stopped and started again', () => {
  let cluster: PgCluster;
  const served = new ServedSuite();
  const { ledger } = served;

  beforeAll(async () => {
    cluster = await startPgCluster();
    served.dir = mkdtempSync(join(tmpdir(), 'archon72-pg-fault-'));
    const url = await cluster.createDatabase('archon72');
    // Default HALT_POLL_MS (500): the guard notices the database is gone on its own schedule.
    served.env = { DATABASE_URL: url, DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(served.dir, 'data'), LOG_LEVEL: 'warn' };
    served.server = await startServe(served.env, await freePort(), 90_000, ['--migrate']);
  });

  afterAll(() => {
    served.server?.process.child.kill('SIGKILL'); // never leave a server behind
    cluster?.destroy();
    if (served.dir) rmSync(served.dir, { recursive: true, force: true });
  });

  it.each<PgStopMode>(['immediate', 'fast'])('pg_ctl stop -m %s: not ready and writes refused within seconds, alive throughout, and back by itself', async (mode) => {
    expect((await ledger.write(`before ${mode}`)).status).toBe(201);
    expect(await getJson(served.server.url, '/v1/ready')).toMatchObject({ status: 200, body: { database: 'connected' } });

    // Appends in flight when the server goes: each must end as a 201 (committed, so it must survive the restart) or
    // a 503. A write that reaches the store fails there (STORE_UNAVAILABLE); once the halt guard's poll cannot read
    // halt_state, every write is refused before it is even queued (HALT_STATE_UNKNOWN).
    const faultCodes = ['STORE_UNAVAILABLE', 'HALT_STATE_UNKNOWN'];
    const stopLoad = ledger.load(LOAD_CLIENTS, faultCodes);
    const ackedBefore = ledger.acked.size;
    await until('the load to be acknowledged', async () => ledger.acked.size >= ackedBefore + 50);
    await cluster.stop(mode);
    const notReadyMs = await until('GET /v1/ready to answer 503 with database unreachable', async () => {
      const ready = await getJson(served.server.url, '/v1/ready');
      return ready.status === 503 && ready.body.database === 'unreachable';
    });
    const refused = await ledger.untilRefused('HALT_STATE_UNKNOWN', ['STORE_UNAVAILABLE']);
    const loadCounts = await stopLoad();
    await ledger.expectRefused('HALT_STATE_UNKNOWN');
    await expectAlive(served.server);

    await cluster.start();
    const readyMs = await until('GET /v1/ready to answer 200 again', async () => (await getJson(served.server.url, '/v1/ready')).status === 200);
    expect((await getJson(served.server.url, '/v1/ready')).body).toMatchObject({ status: 'ready', database: 'connected' });
    const acceptedMs = await ledger.untilAccepted(faultCodes);
    expect((await ledger.write(`after ${mode}`)).status).toBe(201);
    console.info(
      `pg_ctl stop -m ${mode} under ${LOAD_CLIENTS} writers (answers: ${JSON.stringify(loadCounts)}): /v1/ready 503 after ${notReadyMs.toFixed(0)} ms, ` +
        `writes refused HALT_STATE_UNKNOWN ${refused.ms.toFixed(0)} ms later (probes: ${refused.seen.join(', ')}); ` +
        `after pg_ctl start: ready after ${readyMs.toFixed(0)} ms, a write accepted ${acceptedMs.toFixed(0)} ms later`,
    );
  });

  it('lost no acknowledged write, stored none it refused, and verify-db accepts the chain', async () => {
    expect(ledger.refused.size).toBeGreaterThanOrEqual(8);
    ledger.expectLog({ DATABASE_URL: served.env.DATABASE_URL as string, DEV_MODE: 'true', ENVIRONMENT: 'development' });
    expect(await served.server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

const REDIS_SUITE = 'archon72 serve with its Redis killed';
const runRedis = shouldRunOwnRedis(REDIS_SUITE);
const ADMIN_TOKEN = 'e2e-service-faults-admin-token';

/**
 * A private redis-server (the halt channel) under a running `archon72 serve` on the embedded database, killed with
 * SIGKILL and started again empty. With REDIS_URL set, writes need Redis in every mode: the server must report not
 * ready and refuse writes while Redis is gone, stay alive, and resume by itself; a halt recorded before Redis died
 * stays in force (the database is canonical) and is put back on the empty Redis.
 */
describe.runIf(runRedis)('archon72 serve with its Redis killed and restarted empty', () => {
  let redis: RedisProcess;
  const served = new ServedSuite();
  const { ledger } = served;
  const haltFlag = () => ({ active: redis.cli(['GET', 'archon72:halt:active']), reason: redis.cli(['GET', 'archon72:halt:reason']) });

  beforeAll(async () => {
    redis = await startRedisProcess();
    served.dir = mkdtempSync(join(tmpdir(), 'archon72-redis-fault-'));
    served.env = { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(served.dir, 'data'), REDIS_URL: redis.url, ADMIN_TOKEN, LOG_LEVEL: 'warn' };
    served.server = await startServe(served.env, await freePort(), 90_000, ['--migrate']);
  });

  afterAll(async () => {
    served.server?.process.child.kill('SIGKILL'); // never leave a server behind
    await redis?.kill('SIGKILL');
    if (served.dir) rmSync(served.dir, { recursive: true, force: true });
  });

  it('reports redis unreachable and refuses writes with HALT_CHANNEL_UNAVAILABLE while Redis is dead, alive throughout, and resumes by itself', async () => {
    expect((await ledger.write('before')).status).toBe(201);
    expect(await getJson(served.server.url, '/v1/ready')).toMatchObject({ status: 200, body: { database: 'connected', redis: 'connected' } });

    await redis.kill('SIGKILL');
    const notReadyMs = await until('GET /v1/ready to answer 503 with redis unreachable', async () => {
      const ready = await getJson(served.server.url, '/v1/ready');
      return ready.status === 503 && ready.body.redis === 'unreachable';
    });
    expect((await getJson(served.server.url, '/v1/ready')).body).toMatchObject({ status: 'not_ready', database: 'connected', redis: 'unreachable' });
    const refused = await ledger.untilRefused('HALT_CHANNEL_UNAVAILABLE');
    await ledger.expectRefused('HALT_CHANNEL_UNAVAILABLE');
    await expectAlive(served.server);
    // Reads still answer: the system is not halted; this instance just cannot promise a halt would reach it.
    expect(await getJson(served.server.url, '/v1/halt')).toMatchObject({ status: 200, body: { halted: false, instance: 'unknown' } });

    await redis.start();
    const readyMs = await until('GET /v1/ready to answer 200 again', async () => (await getJson(served.server.url, '/v1/ready')).status === 200);
    expect((await getJson(served.server.url, '/v1/ready')).body).toMatchObject({ status: 'ready', database: 'connected', redis: 'connected' });
    const acceptedMs = await ledger.untilAccepted(['HALT_CHANNEL_UNAVAILABLE']);
    expect((await ledger.write('after')).status).toBe(201);
    console.info(
      `redis-server SIGKILL: /v1/ready 503 after ${notReadyMs.toFixed(0)} ms, writes refused HALT_CHANNEL_UNAVAILABLE ${refused.ms.toFixed(0)} ms later (probes: ${refused.seen.join(', ')}); ` +
        `after restart: ready after ${readyMs.toFixed(0)} ms, a write accepted ${acceptedMs.toFixed(0)} ms later`,
    );
  });

  it('keeps a halt raised before Redis died, and puts the flag back on the empty Redis', async () => {
    const reason = 'e2e: halted before Redis dies';
    const trigger = runCli(['halt', 'trigger', '--reason', reason], { ...served.env, ARCHON72_API_URL: served.server.url });
    expect(trigger.status, trigger.stderr).toBe(0);
    await ledger.expectRefused('SYSTEM_HALTED');
    expect(haltFlag()).toEqual({ active: 'true', reason });

    await redis.kill('SIGKILL');
    await until('GET /v1/ready to say redis unreachable', async () => (await getJson(served.server.url, '/v1/ready')).body.redis === 'unreachable');
    // Halted wins over "channel unreachable": the database says halted, and that is what writers are told.
    await ledger.expectRefused('SYSTEM_HALTED');
    expect(await getJson(served.server.url, '/v1/halt')).toMatchObject({ status: 200, body: { halted: true, reason, instance: 'halted' } });
    await expectAlive(served.server);

    await redis.start(); // --save '' --appendonly no: it comes back with no keys at all
    const restoredMs = await until('archon72:halt:active to be raised again on the new Redis', async () => haltFlag().active === 'true');
    expect(haltFlag()).toEqual({ active: 'true', reason });
    await until('GET /v1/ready to say redis connected', async () => (await getJson(served.server.url, '/v1/ready')).body.redis === 'connected');
    expect((await getJson(served.server.url, '/v1/ready')).body).toMatchObject({ database: 'connected', redis: 'connected' });
    await ledger.expectRefused('SYSTEM_HALTED');
    expect(await getJson(served.server.url, '/v1/halt')).toMatchObject({ status: 200, body: { halted: true, reason, instance: 'halted' } });
    console.info(`the halt flag was back on the restarted (empty) Redis ${restoredMs.toFixed(0)} ms after it answered`);
  });

  it('lost no acknowledged write, stored none it refused, recorded the halt once, and verify-db accepts the chain', async () => {
    // The embedded database belongs to the server while it runs: stop it (cleanly) before reading the log.
    expect(await served.server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(ledger.refused.size).toBeGreaterThanOrEqual(9);
    const events = ledger.expectLog({ DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: served.env.ARCHON72_DATA_DIR as string });
    expect(events.filter((e) => e.event_type === 'halt.triggered')).toHaveLength(1);
  });
});
