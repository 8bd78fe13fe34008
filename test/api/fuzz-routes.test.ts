import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { answerProblem, rawRequest, requestFor, sendRaw, type FuzzTarget } from '../support/fuzz-requests.js';
import { createFuzzApp, type FuzzApp } from '../support/fuzz-app.js';

// The generators and the app are shared with the evidence harness (bench/evidence/fuzz), which runs many more cases.

/** Requests thrown at each registered route (and at unknown paths). The total is printed once at the end. */
const RUNS_PER_ROUTE = 40;
/** Raw HTTP requests written to a real socket: what an inject() client normalises away (`..`, NUL, bad request lines). */
const RAW_RUNS = 60;

describe('every route, fuzzed', () => {
  let fuzz: FuzzApp;
  let targets: FuzzTarget[];
  let cases = 0;
  /** Answers by status, printed with the total: shows the fuzzing reached handlers (2xx) and not only the validators. */
  const statuses = new Map<number | string, number>();
  const tally = (status: number) => statuses.set(Number.isNaN(status) ? 'closed' : status, (statuses.get(Number.isNaN(status) ? 'closed' : status) ?? 0) + 1);

  beforeAll(async () => {
    fuzz = await createFuzzApp();
    targets = fuzz.targets;
  }, 60_000);
  afterAll(async () => {
    const byStatus = [...statuses].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([status, n]) => `${status}: ${n}`);
    console.info(`fuzz-routes: ${cases} requests in all (${RUNS_PER_ROUTE} per route × ${targets.length} routes, ${RAW_RUNS} raw); answers ${byStatus.join(', ')}`);
    await fuzz.close();
  });

  it('finds the routes', () => {
    expect(targets.map((t) => `${t.method} ${t.url}`)).toEqual(
      expect.arrayContaining(['POST /v1/events', 'GET /v1/observer/events/:event_id', 'GET /docs/static/*', 'POST /v1/conclave/sessions', 'GET /v1/conclave/sessions/:session_id/transcript']),
    );
  });

  it('answers every request to every route without a 5xx other than 503, in the error shape, with X-Request-ID', async () => {
    for (const target of targets) {
      await fc.assert(
        fc.asyncProperty(requestFor(target), async (request) => {
          cases++;
          const res = await fuzz.app.inject(request);
          tally(res.statusCode);
          const problem = answerProblem(res.statusCode, res.headers, res.body, { method: String(request.method), requestId: request.headers['x-request-id'], route: target.url });
          expect(problem).toBeUndefined();
        }),
        { numRuns: RUNS_PER_ROUTE, interruptAfterTimeLimit: 60_000 },
      );
    }
    // Still serving afterwards.
    expect((await fuzz.app.inject({ url: '/v1/health' })).statusCode).toBe(200);
  }, 300_000);

  it('answers raw requests on a real socket the same way (traversal, NUL, broken request lines)', async () => {
    await fuzz.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (fuzz.app.server.address() as { port: number }).port;
    await fc.assert(
      fc.asyncProperty(rawRequest(), async (request) => {
        cases++;
        const res = await sendRaw(port, request);
        tally(res.status);
        if (Number.isNaN(res.status)) return; // the server closed without answering: allowed for bytes that are not HTTP at all
        expect(answerProblem(res.status, res.headers, res.body, { method: request.toString('latin1').split(' ')[0] ?? '', requestId: undefined })).toBeUndefined();
        if (res.status === 200) expect(res.body).not.toContain('"name": "archon72"');
      }),
      { numRuns: RAW_RUNS },
    );
  }, 120_000);
});
