import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { randomPort } from './run-cli.js';
import { eventWriterSigner, postSubmission, startServe, type EventWriterSigner, type ServeProcess } from './serve-process.js';

/** Debian's Chromium (apt package chromium). Never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const CONSOLE_ADMIN_TOKEN = 'observer-console-admin-token';

/** A served log for the console's tests and screenshots: a real `archon72 serve` on the embedded database. */
export interface ConsoleStack {
  server: ServeProcess;
  url: string;
  dir: string;
  signer: EventWriterSigner;
  /** Appends one event through POST /v1/events; returns its sequence. */
  append(eventType: string, payload: Record<string, string | number | boolean>): Promise<number>;
  /** Waits until the latest checkpoint covers `treeSize` events. */
  waitForCheckpoint(treeSize: number): Promise<void>;
  /** Opens a Conclave session (simulated provider) through the API; returns its id. */
  openSession(motion: { title: string; text: string; kind: string; proposer: string }, seed: string, rounds?: number): Promise<string>;
  /** Waits until the session has adjourned. */
  waitForAdjournment(sessionId: string, timeoutMs?: number): Promise<void>;
  /** POST /v1/admin/halt. */
  halt(reason: string): Promise<void>;
  close(): Promise<void>;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-console-'));
  const dataDir = join(dir, 'data');
  const server = await startServe(
    // Checkpoints every event and every second, so a test's events are in a signed checkpoint within a second.
    { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: dataDir, ADMIN_TOKEN: CONSOLE_ADMIN_TOKEN, CHECKPOINT_EVERY_EVENTS: '1', CHECKPOINT_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn' },
    Number(randomPort()),
    60_000,
    ['--migrate'],
  );
  const signer = eventWriterSigner(dataDir);
  const admin = { authorization: `Bearer ${CONSOLE_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const poll = async (check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    server,
    url: server.url,
    dir,
    signer,
    async append(eventType, payload) {
      const outcome = await postSubmission(server.url, await signer.submission(eventType, payload));
      if (outcome.kind !== 'answered' || outcome.status !== 201 || outcome.sequence === undefined) throw new Error(`append failed: ${JSON.stringify(outcome)}`);
      return outcome.sequence;
    },
    waitForCheckpoint: (treeSize) =>
      poll(async () => {
        const res = await fetch(`${server.url}/v1/observer/checkpoints/latest?format=json`);
        return res.ok && ((await res.json()) as { tree_size: number }).tree_size >= treeSize;
      }, `a checkpoint of ${treeSize} events`),
    async openSession(motion, seed, rounds = 1) {
      const res = await fetch(`${server.url}/v1/conclave/sessions`, { method: 'POST', headers: admin, body: JSON.stringify({ ...motion, seed, rounds }) });
      if (res.status !== 202) throw new Error(`session refused: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { session_id: string }).session_id;
    },
    waitForAdjournment: (sessionId, timeoutMs = 120_000) =>
      poll(async () => ((await (await fetch(`${server.url}/v1/conclave/sessions/${sessionId}`)).json()) as { status: string }).status === 'adjourned', `session ${sessionId} to adjourn`, timeoutMs),
    async halt(reason) {
      const res = await fetch(`${server.url}/v1/admin/halt`, { method: 'POST', headers: admin, body: JSON.stringify({ reason }) });
      if (res.status !== 200) throw new Error(`halt refused: ${res.status} ${await res.text()}`);
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Whether to run a suite that drives Chromium. Skips (printing the reason) when /usr/bin/chromium is absent, unless
 * ARCHON72_REQUIRE_SERVICES=1, where absence throws so the run fails (as the PostgreSQL and Redis suites do).
 */
export function shouldRunChromium(suite: string): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    const reason = `${CHROMIUM} is not installed (apt-get install chromium)`;
    if (process.env.ARCHON72_REQUIRE_SERVICES === '1') throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
    console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
    return false;
  }
}

/** Headless Debian Chromium. --no-sandbox: the tests run as root in a container, where Chromium's sandbox cannot start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
