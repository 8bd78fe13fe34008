import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { answerProblem, rawRequest, requestFor, sendRaw, type FuzzTarget } from '../../../test/support/fuzz-requests.js';
import type { FuzzApp } from '../../../test/support/fuzz-app.js';

/** What fuzzing one route saw. */
export interface RouteFuzzRow {
  route: string;
  cases: number;
  /** Answers by status ("closed": the socket closed without one). */
  statuses: Record<string, number>;
  /** The first bad answer (a 5xx other than 503, a malformed error), with its request; undefined when none. */
  failure: string | undefined;
  seed: number;
  seconds: number;
}

/** Routes whose valid requests change the system for the rest of the run go last: opening sessions, then the admin halt. */
export function fuzzOrder(target: FuzzTarget): number {
  if (target.url === '/v1/admin/halt') return 2;
  if (target.method === 'POST' && target.url === '/v1/conclave/sessions') return 1;
  return 0;
}

/**
 * Sends `runs` generated requests to each of the app's routes through inject() (requestFor: odd paths, queries,
 * bodies, content types, headers; some with the valid admin token), checking every answer with answerProblem.
 */
export async function fuzzRoutes(fuzz: FuzzApp, runs: number, adminToken: string): Promise<RouteFuzzRow[]> {
  const rows: RouteFuzzRow[] = [];
  for (const target of [...fuzz.targets].sort((a, b) => fuzzOrder(a) - fuzzOrder(b))) {
    const statuses: Record<string, number> = {};
    const t0 = performance.now();
    const details = await fc.check(
      fc.asyncProperty(requestFor(target, adminToken), async (request) => {
        const res = await fuzz.app.inject(request);
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        const problem = answerProblem(res.statusCode, res.headers, res.body, { method: String(request.method), requestId: request.headers['x-request-id'], route: target.url });
        if (problem !== undefined) throw new Error(problem);
      }),
      { numRuns: runs, interruptAfterTimeLimit: 180_000 },
    );
    rows.push({ route: `${target.method} ${target.url}`, cases: details.numRuns, statuses, failure: failureText(details), seed: details.seed, seconds: (performance.now() - t0) / 1000 });
  }
  return rows;
}

/** Sends `runs` raw requests (traversal, NUL, broken request lines, non-HTTP bytes) to the app listening on a real socket. */
export async function fuzzRawSocket(fuzz: FuzzApp, runs: number): Promise<RouteFuzzRow> {
  await fuzz.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (fuzz.app.server.address() as { port: number }).port;
  const statuses: Record<string, number> = {};
  const t0 = performance.now();
  const details = await fc.check(
    fc.asyncProperty(rawRequest(), async (request) => {
      const res = await sendRaw(port, request);
      const key = Number.isNaN(res.status) ? 'closed' : String(res.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (Number.isNaN(res.status)) return; // closed without answering: allowed for bytes that are not HTTP at all
      const problem = answerProblem(res.status, res.headers, res.body, { method: request.toString('latin1').split(' ')[0] ?? '', requestId: undefined });
      if (problem !== undefined) throw new Error(problem);
      if (res.status === 200 && res.body.includes('"name": "archon72"')) throw new Error('served package.json');
    }),
    { numRuns: runs },
  );
  return { route: 'raw requests on a socket (any path)', cases: details.numRuns, statuses, failure: failureText(details), seed: details.seed, seconds: (performance.now() - t0) / 1000 };
}

function failureText<T extends [unknown]>(details: fc.RunDetails<T>): string | undefined {
  if (!details.failed) return undefined;
  return `${String(details.errorInstance).slice(0, 300)} on ${fc.stringify(details.counterexample?.[0]).slice(0, 300)}`;
}
