import { connect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { scoped } from '../../bench-scope.js';
import { makeTempDir, prepareDatabase } from '../../bench-stack.js';
import { startServe } from '../../../test/support/serve-process.js';
import { freePort } from '../../../test/support/redis-process.js';
import { answerProblem, requestFor, type FuzzRequest, type FuzzTarget } from '../../../test/support/fuzz-requests.js';
import { fuzzOrder, type RouteFuzzRow } from './fuzz-routes.js';

/** An answer read off the socket; `timedOut` when the server was still sending (a live stream) or silent. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  timedOut: boolean;
}

/** A generated request as HTTP/1.1 bytes, Connection: close, with its body's Content-Length. */
function toBytes(request: FuzzRequest): Buffer {
  const body = request.payload === undefined ? Buffer.alloc(0) : Buffer.isBuffer(request.payload) ? request.payload : Buffer.from(String(request.payload), 'utf8');
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const head = `${String(request.method)} ${String(request.url)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Writes `bytes` on a new connection and reads until the server closes it or `timeoutMs` passes. */
function exchange(port: number, bytes: Buffer, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    // write, not end: Node's server aborts requests still being handled when the client half-closes (no
    // httpAllowHalfOpen), and Connection: close has the server end the connection once it answered.
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after the answer (the server closes early on a refused body) is fine
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), timedOut });
    });
  });
}

/** The body of an answer: chunked transfer encoding undone (error bodies are small; one chunk is enough to check). */
function dechunk(answer: RawAnswer): string {
  if (answer.headers['transfer-encoding'] !== 'chunked') return answer.body;
  return answer.body.split('\r\n').filter((_, i) => i % 2 === 1).join('');
}

/**
 * The same generated requests, sent as bytes to a real `archon72 serve` process (on a fresh PostgreSQL database, with
 * an admin token and the observer rate limit raised): `runs` per route. Afterwards the process must still be running
 * and answer health, and must have logged nothing at level error or above.
 */
export async function fuzzServerProcess(pgAdminUrl: string, targets: FuzzTarget[], runs: number, adminToken: string): Promise<{ rows: RouteFuzzRow[]; alive: boolean; errorLines: string[] }> {
  return scoped(async (scope) => {
    const db = await prepareDatabase(pgAdminUrl, undefined);
    scope.defer(() => db.drop());
    const tmp = makeTempDir('archon72-evidence-fuzz-');
    scope.defer(() => tmp.remove());
    const env = { DATABASE_URL: db.url, DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(tmp.path, 'data'), ADMIN_TOKEN: adminToken, RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
    const server = await startServe(env, await freePort(), 90_000, ['--migrate']);
    scope.defer(() => void server.process.child.kill('SIGKILL'));
    const rows: RouteFuzzRow[] = [];
    for (const target of [...targets].sort((a, b) => fuzzOrder(a) - fuzzOrder(b))) {
      const statuses: Record<string, number> = {};
      const t0 = performance.now();
      // A live event stream never ends by itself: read its first bytes only.
      const timeoutMs = target.url.endsWith('/stream') ? 1_000 : 10_000;
      const details = await fc.check(
        fc.asyncProperty(requestFor(target, adminToken), async (request) => {
          const answer = await exchange(server.port, toBytes(request), timeoutMs);
          const key = Number.isNaN(answer.status) ? (answer.timedOut ? 'no answer' : 'closed') : String(answer.status);
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (Number.isNaN(answer.status)) {
            if (answer.timedOut) throw new Error(`no answer within ${timeoutMs} ms`);
            return; // closed without an answer: Node's HTTP parser refusing bytes that are not a request
          }
          if (answer.timedOut && answer.status < 400) return;
          // A target with a raw space or control character breaks the request line: Node's parser either refuses it (the
          // server's own 400 INPUT_REQUEST_MALFORMED, before any header, X-Request-ID included, is read) or, for a
          // trailing space, reads the target without it. inject() never sends such a line.
          const brokenLine = /[\s\x00-\x1f\x7f]/.test(String(request.url));
          const problem = answerProblem(answer.status, answer.headers, dechunk(answer), { method: String(request.method), requestId: brokenLine ? undefined : request.headers['x-request-id'], route: target.url });
          if (problem !== undefined) throw new Error(problem);
        }),
        { numRuns: runs, interruptAfterTimeLimit: 180_000 },
      );
      const failure = details.failed ? `${String(details.errorInstance).slice(0, 300)} on ${fc.stringify(details.counterexample?.[0]).slice(0, 300)}` : undefined;
      rows.push({ route: `${target.method} ${target.url}`, cases: details.numRuns, statuses, failure, seed: details.seed, seconds: (performance.now() - t0) / 1000 });
    }
    const health = await fetch(`${server.url}/v1/health`).then((r) => r.status, () => 0);
    const alive = server.process.child.exitCode === null && server.process.child.signalCode === null && health === 200;
    const errorLines = `${server.process.out.stdout}\n${server.process.out.stderr}`.split('\n').filter((line) => /"level":(50|60)/.test(line));
    await server.stop('SIGTERM');
    return { rows, alive, errorLines };
  });
}
