import { expect } from 'vitest';
import type { RunbookCommand } from '../support/runbook.js';

/**
 * What the runbook's read-only curls (GET) must print on the runbook test's stack: a development server
 * (DEV_MODE=true) on PostgreSQL with its own Redis, not halted, with events. Keyed by the path the curl asks for, so
 * the same endpoint is checked the same way in every section (§5.5, §6.1, §6.3, §6.4, §12.1). Where the runbook states
 * production output (`"hsm_mode": "PRODUCTION"`), this stack shows DEVELOPMENT; test/e2e/hsm-production.e2e.test.ts
 * runs §6.4's curl against a production server.
 */
const BY_PATH: Record<string, (body: unknown, command: RunbookCommand) => void> = {
  '/v1/health': (body, command) => {
    if (/jq '\.hsm_mode'/.test(command.text)) {
      expect(body).toBe('DEVELOPMENT');
      return;
    }
    expect(body).toEqual({ status: 'ok', uptime_seconds: expect.any(Number), hsm_mode: 'DEVELOPMENT', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expectStatedKeys(body, command);
  },
  '/v1/ready': (body, command) => {
    expect(body).toEqual({ status: 'ready', database: 'connected', redis: 'connected', verification: 'passed' });
    expectStatedKeys(body, command);
  },
  '/v1/observer/events': (body) => {
    const page = body as { events: Array<Record<string, unknown>>; next: unknown };
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events[0]).toMatchObject({ sequence: 1, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/), witness_signature: expect.any(String) });
    expect(page).toHaveProperty('next');
  },
  '/v1/health/constitutional': (body, command) => {
    const health = body as Record<string, unknown>;
    expect(['healthy', 'warning', 'unhealthy']).toContain(health.status);
    expect(health).toMatchObject({ halt: { halted: false }, witness_pool: { size: 12, minimum: 6 }, verification: { outcome: 'passed' } });
    expectStatedKeys(body, command);
  },
  '/v1/halt': (body) => expect(body).toMatchObject({ halted: false }),
  '/metrics': (body, command) => {
    const text = body as string;
    if (/\|\s*head -20$/.test(command.text)) {
      const lines = text.split('\n').slice(0, -1);
      expect(lines).toHaveLength(20);
      expect(lines[0]).toMatch(/^# HELP archon72_/);
      expect(lines.filter((line) => line.startsWith('# TYPE archon72_')).length).toBeGreaterThan(0);
      return;
    }
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
      expect(text).toContain(metric);
    }
  },
};

/** The path a GET curl of the runbook asks for, or undefined for another kind of curl. */
export function curlPath(command: RunbookCommand): string | undefined {
  if (/\s-X\s+(?!GET)/.test(command.text)) return undefined;
  return /(?:https?:\/\/)?(?:api-endpoint|localhost:8000)(\/[^\s|'"]*)/.exec(command.text)?.[1];
}

/** Checks what a GET curl printed (JSON, or text for /metrics) against what the runbook says of that endpoint. */
export function checkCurlOutput(command: RunbookCommand, stdout: string): void {
  const path = curlPath(command);
  const check = path === undefined ? undefined : BY_PATH[path];
  expect(check, `runbook §${command.section} line ${command.line}: no check for ${command.text}`).toBeDefined();
  check!(path === '/metrics' ? stdout : JSON.parse(stdout), command);
}

/** Every `"key":` the runbook states below the command (its `Expected: {…}` and the variants after it) is a top-level key of the answer. */
function expectStatedKeys(body: unknown, command: RunbookCommand): void {
  const statedKeys = [...command.stated.join('\n').matchAll(/"(\w+)":/g)].map((m) => m[1]!);
  expect(Object.keys(body as object)).toEqual(expect.arrayContaining(statedKeys));
}
