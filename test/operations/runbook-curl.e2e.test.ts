import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomPort } from '../support/run-cli.js';
import { eventWriterSigner, postSubmission, startServe, type ServeProcess } from '../support/serve-process.js';
import { shouldRunOwnRedis, startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { runAgainst, runbookCurls } from '../support/runbook.js';

const runRedis = shouldRunOwnRedis('runbook curls');

/** What each runbook `curl` must show, keyed by the command as the runbook prints it. */
const EXPECTED: Record<string, (stdout: string) => void> = {
  'curl -s http://api-endpoint/v1/health | jq .': (out) => {
    expect(JSON.parse(out)).toEqual({ status: 'ok', uptime_seconds: expect.any(Number), hsm_mode: 'DEVELOPMENT', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  },
  'curl -s http://api-endpoint/v1/ready | jq .': (out) => {
    expect(JSON.parse(out)).toEqual({ status: 'ready', database: 'connected', redis: 'connected', verification: 'passed' });
  },
  'curl -s http://api-endpoint/v1/observer/events | jq .': (out) => {
    const body = JSON.parse(out) as { events: Array<Record<string, unknown>>; next: unknown };
    expect(body.events.length).toBeGreaterThan(0);
    expect(body.events[0]).toMatchObject({ sequence: 1, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), witness_signature: expect.any(String) });
    expect(body).toHaveProperty('next');
  },
  'curl -s http://api-endpoint/v1/health/constitutional | jq .': (out) => {
    const body = JSON.parse(out) as Record<string, unknown>;
    expect(['healthy', 'warning', 'unhealthy']).toContain(body.status);
    for (const field of ['reasons', 'halt', 'chain', 'witness_pool', 'keepers', 'checkpoint', 'clock_drift', 'verification', 'limits']) expect(body).toHaveProperty(field);
    expect(body).toMatchObject({ halt: { halted: false }, witness_pool: { size: 12, minimum: 6 }, verification: { outcome: 'passed' } });
  },
  'curl -s http://api-endpoint/metrics | head -20': (out) => {
    const lines = out.split('\n').slice(0, -1);
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatch(/^# HELP archon72_/);
  },
  'curl localhost:8000/v1/health': (out) => expect(JSON.parse(out)).toMatchObject({ status: 'ok' }),
  'curl localhost:8000/v1/ready': (out) => expect(JSON.parse(out)).toMatchObject({ status: 'ready' }),
  'curl localhost:8000/metrics': (out) => {
    for (const metric of [
      'archon72_halted 0',
      'archon72_events_appended_total',
      'archon72_append_duration_seconds_bucket',
      'archon72_chain_head_sequence',
      'archon72_verification_failures_total',
      'archon72_witness_pool_size',
      'archon72_clock_drift_warnings',
      'archon72_http_request_duration_seconds_bucket',
      'archon72_process_cpu_user_seconds_total',
    ]) {
      expect(out).toContain(metric);
    }
  },
  'curl localhost:8000/v1/health/constitutional': (out) => expect(JSON.parse(out)).toHaveProperty('status'),
  'curl localhost:8000/v1/halt': (out) => expect(JSON.parse(out)).toMatchObject({ halted: false }),
};

/**
 * Every `curl` of runbook §6.1, §6.3 and §12.1, verbatim, against a started server (embedded database, its own
 * Redis), checking the fields the runbook says to expect. §6.4's (hsm_mode PRODUCTION) runs in
 * test/e2e/hsm-production.e2e.test.ts against a production server.
 */
describe.runIf(runRedis)('runbook curls against a running server', () => {
  let dir: string;
  let redis: RedisProcess;
  let server: ServeProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-runbook-'));
    redis = await startRedisProcess();
    const env = { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(dir, 'data'), REDIS_URL: redis.url };
    server = await startServe(env, Number(randomPort()), 60_000, ['--migrate']);
    // An event to observe, submitted the way an agent does (the server holds the embedded database).
    const signer = eventWriterSigner(join(dir, 'data'));
    const posted = await postSubmission(server.url, await signer.submission('runbook.test', { n: 1 }));
    expect(posted).toMatchObject({ kind: 'answered', status: 201 });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['### 6.1', '### 6.3', '### 12.1'])('runs every curl of runbook %s', (section) => {
    const commands = runbookCurls(section);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const check = EXPECTED[command];
      expect(check, `runbook ${section} has a curl this test does not know: ${command}`).toBeDefined();
      check!(runAgainst(command, server.url));
    }
  });
});
