import { afterAll, describe, expect, it } from 'vitest';
import { request, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../support/run-cli.js';
import { freePort } from '../support/redis-process.js';
import { eventWriterSigner, postSubmission, startServe, waitForOutput, type ServeProcess, type SubmitOutcome } from '../support/serve-process.js';

const EVENT_TYPE = 'test.graceful_shutdown';
/** Concurrent writers during the SIGTERM test. */
const CLIENTS = 32;
/** Acknowledged appends before SIGTERM is sent, so that the signal lands in the middle of a steady load. */
const SIGNAL_AFTER_ACKS = 300;
/** src/graceful-shutdown.ts SHUTDOWN_TIMEOUT_MS: the bound is tested as shipped, not shortened. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

const started: ServeProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const server of started) server.process.child.kill('SIGKILL'); // never leave a server behind
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `archon72 serve --migrate` on a new embedded database (development keys), logging at info. */
async function serveFresh(): Promise<{ server: ServeProcess; env: Record<string, string>; dataDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'archon72-shutdown-'));
  dirs.push(dir);
  const dataDir = join(dir, 'data');
  const env = { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  const server = await startServe(env, await freePort(), 90_000, ['--migrate']);
  started.push(server);
  return { server, env, dataDir };
}

/** The server's own log lines about the shutdown, in order (pino JSON on stdout). */
function shutdownLog(server: ServeProcess): Array<{ level: number; msg: string }> {
  return server.process.out.stdout
    .split('\n')
    .filter((line) => line.includes('"msg":"shutdown:'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

/** The events of EVENT_TYPE in the log, read by the CLI after the server stopped: event_id → sequence. */
function storedTestEvents(env: Record<string, string>): Map<string, number> {
  const tail = runCli(['events', 'tail', '-n', '10000'], env);
  expect(tail.status, tail.stderr).toBe(0);
  const events = tail.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { sequence: number; event_id: string; event_type: string });
  return new Map(events.filter((e) => e.event_type === EVENT_TYPE).map((e) => [e.event_id, e.sequence]));
}

function expectChainVerifies(env: Record<string, string>, events: number): void {
  const verify = runCli(['verify-db'], env);
  expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  const match = /^OK: (\d+) events verified \(sequence 1\.\.(\d+)\)$/m.exec(verify.stdout);
  expect(match, verify.stdout).not.toBeNull();
  expect(Number(match?.[1])).toBeGreaterThanOrEqual(events);
}

/**
 * A POST /v1/events the server has started (it sent 100 Continue for the headers) but never finishes: the body
 * stops short of its Content-Length. It keeps the HTTP server draining, as a slow or stuck client would.
 */
function holdRequestOpen(port: number): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json', 'content-length': '1000', expect: '100-continue' },
    });
    req.on('continue', () => {
      req.write('{"event_id":');
      resolve(req);
    });
    req.on('response', (res) => reject(new Error(`the held request was answered (${res.statusCode})`)));
    req.on('error', (err) => reject(err)); // after resolve, the server's exit resets it: expected
    req.flushHeaders();
  });
}

/** Appends `count` events and returns their event ids and sequences (all must be 201). */
async function appendSome(server: ServeProcess, dataDir: string, count: number): Promise<Map<string, number>> {
  const writer = eventWriterSigner(dataDir);
  const acked = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const submission = await writer.submission(EVENT_TYPE, { i });
    const outcome = await postSubmission(server.url, submission);
    expect(outcome).toMatchObject({ kind: 'answered', status: 201 });
    if (outcome.kind === 'answered' && outcome.sequence !== undefined) acked.set(submission.eventId, outcome.sequence);
  }
  return acked;
}

describe('archon72 serve shutting down on a signal', () => {
  it('on SIGTERM under load answers every request in flight, refuses the rest, closes and exits 0; every 201 is in the log', async () => {
    const { server, env, dataDir } = await serveFresh();
    const writer = eventWriterSigner(dataDir);
    const outcomes: Array<{ eventId: string; answeredAt: number; outcome: SubmitOutcome }> = [];
    let signalledAt: number | undefined;
    let acks = 0;
    const deadline = Date.now() + 60_000;
    // Each writer posts back to back until it gets no answer at all (its connection refused or closed).
    const writers = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const submission = await writer.submission(EVENT_TYPE, { client, i });
        const outcome = await postSubmission(server.url, submission);
        outcomes.push({ eventId: submission.eventId, answeredAt: performance.now(), outcome });
        if (outcome.kind === 'no answer') return;
        if (outcome.status === 201 && ++acks === SIGNAL_AFTER_ACKS) {
          signalledAt = performance.now();
          server.process.child.kill('SIGTERM');
        }
      }
      throw new Error(`writer ${client} still got answers 60 s in`);
    });
    await Promise.all(writers);
    const exit = await server.process.exited;
    const shutdownMs = performance.now() - (signalledAt ?? 0);
    expect(exit, server.process.out.stderr).toEqual({ code: 0, signal: null });
    expect(signalledAt).toBeDefined();
    const signal = signalledAt as number;

    // Each step logged, in order.
    expect(shutdownLog(server).map((line) => line.msg)).toEqual([
      expect.stringMatching(/^shutdown: SIGTERM received; refusing new connections/),
      expect.stringMatching(/^shutdown: HTTP server closed; every in-flight request has been answered/),
      expect.stringMatching(/^shutdown: stack closed/),
      'shutdown: complete; exiting with 0',
    ]);

    const ok = outcomes.filter((o) => o.outcome.kind === 'answered' && o.outcome.status === 201);
    const refused = outcomes.filter((o) => o.outcome.kind === 'answered' && o.outcome.status !== 201);
    const unanswered = outcomes.filter((o) => o.outcome.kind === 'no answer');
    // In-flight appends were allowed to finish: some were answered 201 after the signal was sent.
    const drained = ok.filter((o) => o.answeredAt > signal);
    expect(drained.length).toBeGreaterThan(0);
    // Refusals only came after the signal, and only as 503 (Fastify answers requests arriving while it closes).
    for (const o of refused) {
      expect(o.outcome).toMatchObject({ kind: 'answered', status: 503 });
      expect(o.answeredAt).toBeGreaterThan(signal);
    }
    // No connection failed before the signal.
    for (const o of unanswered) expect(o.answeredAt).toBeGreaterThan(signal);
    const errors = new Map<string, number>();
    for (const { outcome } of unanswered) if (outcome.kind === 'no answer') errors.set(outcome.error, (errors.get(outcome.error) ?? 0) + 1);
    console.info(
      `SIGTERM after ${SIGNAL_AFTER_ACKS} acks: exit 0 ${shutdownMs.toFixed(0)} ms later; ${ok.length} answered 201 (${drained.length} after the signal), ${refused.length} refused 503, no answer: ${[...errors].map(([error, n]) => `${error} ×${n}`).join(', ')}`,
    );

    // The server is gone: a new connection is refused.
    const after = await postSubmission(server.url, await writer.submission(EVENT_TYPE, { after: true }));
    expect(after).toEqual({ kind: 'no answer', error: 'ECONNREFUSED' });

    // Never a 201 that is lost: each acknowledged event is stored at the sequence it was acknowledged with.
    const stored = storedTestEvents(env);
    for (const o of ok) expect(stored.get(o.eventId), o.eventId).toBe(o.outcome.kind === 'answered' ? o.outcome.sequence : -1);
    // Nothing refused was stored; anything else stored is a request whose answer never arrived.
    for (const o of refused) expect(stored.has(o.eventId)).toBe(false);
    const unansweredIds = new Set(unanswered.map((o) => o.eventId));
    const okIds = new Set(ok.map((o) => o.eventId));
    for (const eventId of stored.keys()) expect(okIds.has(eventId) || unansweredIds.has(eventId), eventId).toBe(true);
    console.info(`stored: ${stored.size} test events, ${[...unansweredIds].filter((id) => stored.has(id)).length} of them unanswered`);
    expectChainVerifies(env, stored.size);
  });

  it('exits at once with 143 on a second SIGTERM during the shutdown, and loses no acknowledged event', async () => {
    const { server, env, dataDir } = await serveFresh();
    const acked = await appendSome(server, dataDir, 5);
    const held = await holdRequestOpen(server.port);
    try {
      server.process.child.kill('SIGTERM');
      await waitForOutput(server.process, /shutdown: SIGTERM received/);
      // Still draining: the held request keeps the HTTP server from closing.
      expect(server.process.child.exitCode).toBeNull();
      expect(server.process.out.stdout).not.toMatch(/HTTP server closed/);

      const secondAt = performance.now();
      server.process.child.kill('SIGTERM');
      const exit = await server.process.exited;
      const ms = performance.now() - secondAt;
      console.info(`second SIGTERM: exit ${exit.code} after ${ms.toFixed(0)} ms`);
      expect(exit).toEqual({ code: 143, signal: null });
      expect(ms).toBeLessThan(2_000);
    } finally {
      held.destroy();
    }
    const log = shutdownLog(server);
    expect(log.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^shutdown: SIGTERM received/),
      'shutdown: second signal (SIGTERM) during shutdown; exiting at once with 143, without waiting for in-flight requests or closing the stack',
    ]);
    expect(log[1]?.level).toBe(50); // error

    // Cut short, the embedded database still holds every acknowledged event, and the next process takes over the
    // dead server's lock.
    const stored = storedTestEvents(env);
    expect(stored).toEqual(acked);
    expectChainVerifies(env, acked.size);
  });

  it(`exits 1 with a log line when the shutdown is still stuck after ${SHUTDOWN_TIMEOUT_MS} ms (SIGINT)`, async () => {
    const { server } = await serveFresh();
    const held = await holdRequestOpen(server.port);
    let ms: number;
    try {
      const signalledAt = performance.now();
      server.process.child.kill('SIGINT');
      const exit = await server.process.exited;
      ms = performance.now() - signalledAt;
      console.info(`SIGINT with a request held open: exit ${exit.code} after ${ms.toFixed(0)} ms`);
      expect(exit).toEqual({ code: 1, signal: null });
    } finally {
      held.destroy();
    }
    expect(ms).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5_000);
    const log = shutdownLog(server);
    expect(log.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^shutdown: SIGINT received/),
      `shutdown: not finished after ${SHUTDOWN_TIMEOUT_MS} ms (stuck draining requests); exiting with 1`,
    ]);
    expect(log[1]).toMatchObject({ level: 50, connections: 1 });
  });
});
