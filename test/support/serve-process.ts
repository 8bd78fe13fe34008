import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CLI, startProcess } from './run-cli.js';
import { createSoftwareKeyCustody } from '../../src/adapters/hsm/software-key-custody.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { EVENT_WRITER_ID } from '../../src/app/provision-keys.js';
import { signSubmission } from '../../src/app/sign-submission.js';
import { toSubmissionJson } from '../../src/domain/chain/event-json.js';
import type { EventSubmission } from '../../src/domain/chain/event.types.js';
import type { JsonObject } from '../../src/domain/chain/canonical-json.js';

// No vitest import here: bench/halt.bench.ts uses this file too.

/** One `archon72 serve` child process. */
export interface ServeProcess {
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  process: ReturnType<typeof startProcess>;
  /** Sends `signal` (SIGTERM: clean shutdown) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/archon72.js serve …args` (e.g. `--migrate`) on 127.0.0.1:`port` with `env` (plus PATH), and
 * resolves once GET /v1/health answers. Throws with the server's output if it exits first or does not answer
 * within `timeoutMs`.
 */
export async function startServe(env: Record<string, string | undefined>, port: number, timeoutMs = 60_000, args: readonly string[] = []): Promise<ServeProcess> {
  // JSON log lines (the default outside development) unless the caller asks otherwise: tests and benches parse them.
  const proc = startProcess(process.execPath, [CLI, 'serve', ...args], { LOG_FORMAT: 'json', ...env, API_HOST: '127.0.0.1', API_PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void proc.exited.then((how) => (exited = how));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`archon72 serve on port ${port} exited (${JSON.stringify(exited)}):\n${proc.out.stdout}\n${proc.out.stderr}`);
    try {
      if ((await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`archon72 serve on port ${port} did not answer within ${timeoutMs} ms:\n${proc.out.stdout}\n${proc.out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    process: proc,
    async stop(signal = 'SIGTERM') {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      return proc.exited;
    },
  };
}

/** Signs submissions as SYSTEM:EVENT_WRITER with the development key a `serve` process provisioned in its data directory. */
export interface EventWriterSigner {
  keyId: string;
  /** A freshly signed submission of `eventType` with `payload`, stamped now. */
  submission(eventType: string, payload: JsonObject): Promise<EventSubmission>;
}

/**
 * The event writer's development key in `<dataDir>/keys` (DEV_MODE custody), as `archon72 serve` provisioned it at
 * startup: a test signs its submissions the way an agent would, with a key the service has registered. Throws
 * unless exactly one key file there belongs to SYSTEM:EVENT_WRITER.
 */
export function eventWriterSigner(dataDir: string): EventWriterSigner {
  const dir = join(dataDir, 'keys');
  const keyIds = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as { key_id: string; agent_id: string })
    .filter((file) => file.agent_id === EVENT_WRITER_ID)
    .map((file) => file.key_id);
  const [keyId] = keyIds;
  if (keyId === undefined || keyIds.length !== 1) throw new Error(`expected one ${EVENT_WRITER_ID} key in ${dir}, found ${keyIds.length}`);
  const custody = createSoftwareKeyCustody(dataDir);
  return {
    keyId,
    submission: (eventType, payload) =>
      signSubmission({ eventId: randomUUID(), eventType, payload, agentId: EVENT_WRITER_ID, signingKeyId: keyId, localTimestamp: systemClock.now() }, custody),
  };
}

/** How a POST /v1/events ended: an HTTP answer (with the error code, if any), or no answer at all. */
export type SubmitOutcome =
  | { kind: 'answered'; status: number; code: string | undefined; sequence: number | undefined; body: unknown }
  | { kind: 'no answer'; error: string };

/**
 * POSTs `submission` to `${url}/v1/events` (fetch, so keep-alive connections are reused) and classifies the result;
 * never throws. `error` is the socket error code (ECONNREFUSED, ECONNRESET, …) or message.
 */
export async function postSubmission(url: string, submission: EventSubmission, timeoutMs = 10_000): Promise<SubmitOutcome> {
  let res: Response;
  try {
    res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toSubmissionJson(submission)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'no answer', error: cause?.code ?? cause?.message ?? String(err) };
  }
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const parsed = (typeof body === 'object' && body !== null ? body : {}) as { sequence?: unknown; error?: { code?: unknown } };
  return {
    kind: 'answered',
    status: res.status,
    code: typeof parsed.error?.code === 'string' ? parsed.error.code : undefined,
    sequence: typeof parsed.sequence === 'number' ? parsed.sequence : undefined,
    body,
  };
}

/** Polls the process's stdout and stderr until `pattern` appears; throws with the output after `timeoutMs`. */
export async function waitForOutput(proc: ReturnType<typeof startProcess>, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(proc.out.stdout) && !pattern.test(proc.out.stderr)) {
    if (Date.now() > deadline) throw new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${proc.out.stdout.slice(-4000)}\n${proc.out.stderr.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
