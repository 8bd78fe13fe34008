/**
 * `npm run bench:http`: requests/s, p50 and p99 of the HTTP read path under autocannon, against a real server
 * process on embedded PGlite (or PostgreSQL with --backend postgresql: a fresh database on ARCHON72_TEST_PG_URL's
 * server, dropped at the end). First it seeds the data directory with events signed by their agents and stored
 * through the real EventAppender (as `archon72 serve` would store them), then starts the server on that directory
 * and measures each endpoint for --duration seconds after a short warm-up. The server is the built
 * `archon72 serve` (the npm script builds first). Its log level is warn, so request logging is off. Writes
 * bench/results/http-latest.json.
 * Options: `-- --events 10000 --duration 10 --warmup 2 --connections 32 --backend pglite|postgresql --out FILE`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import autocannon from 'autocannon';
import { makeTempDir, openBenchStack, prepareDatabase } from './bench-stack.js';
import { provisionAgents } from './bench-agents.js';
import { collectMachineInfo } from './machine-info.js';
import { formatNumber, formatTable } from './format-table.js';
import { closeScopesOnSignal, scoped } from './bench-scope.js';
import { createArgvReader, testPgAdminUrl } from './bench-options.js';
import { startServe } from '../test/support/serve-process.js';
import { randomPort } from '../test/support/run-cli.js';

interface Options {
  events: number;
  duration: number;
  warmup: number;
  connections: number;
  backend: 'pglite' | 'postgresql';
  out: string;
}

interface Scenario {
  name: string;
  /** The request path, drawn afresh for every request when it is a function. */
  path: string | (() => string);
}

interface Measured {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

const PG_ADMIN_URL = testPgAdminUrl(process.env);
const SEED_BATCH = 100;

function parseOptions(argv: string[]): Options {
  const args = createArgvReader(argv);
  const backend = args.value('backend') ?? 'pglite';
  if (backend !== 'pglite' && backend !== 'postgresql') throw new Error('--backend pglite|postgresql');
  return {
    events: args.int('events', 10_000, 100),
    duration: args.int('duration', 10, 1),
    warmup: args.int('warmup', 2, 0),
    connections: args.int('connections', 32, 1),
    backend,
    out: args.value('out') ?? join('bench', 'results', 'http-latest.json'),
  };
}

/** Stores `count` events signed by 8 agents (keys in a directory the server never reads); returns their ids. */
async function seed(dataDir: string, databaseUrl: string | undefined, agentDir: string, count: number): Promise<string[]> {
  const stack = await openBenchStack(dataDir, databaseUrl, 'bench:http seed');
  try {
    const agents = await provisionAgents(agentDir, 8, stack);
    const ids: string[] = [];
    for (let n = 0; n < count; n += SEED_BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(SEED_BATCH, count - n) }, (_, i) => agents.sign(n + i, 'bench-http')));
      ids.push(...(await stack.appender().submitAll(batch)).map((event) => event.eventId));
    }
    return ids;
  } finally {
    await stack.close();
  }
}

/** Starts the built `archon72 serve`; resolves with its URL and how to stop it. */
async function startServer(env: Record<string, string>) {
  if (!existsSync(join('dist', 'src', 'main.js'))) throw new Error('bench:http needs the build: run `npm run build` first');
  const serve = await startServe(env, Number(randomPort()));
  return { kind: 'archon72 serve', url: serve.url, stop: () => serve.stop() };
}

/** One autocannon run of `scenario` against `url`. */
async function measure(url: string, scenario: Scenario, seconds: number, connections: number): Promise<Measured> {
  const { path } = scenario;
  const result = await autocannon({
    url: typeof path === 'string' ? `${url}${path}` : url,
    connections,
    duration: seconds,
    ...(typeof path === 'string' ? {} : { requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }] }),
  });
  return {
    name: scenario.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  closeScopesOnSignal();
  await scoped(async (scope) => {
    const temp = makeTempDir('archon72-bench-http-');
    scope.defer(() => temp.remove());
    const dataDir = join(temp.path, 'data');
    const database = options.backend === 'postgresql' ? await prepareDatabase(PG_ADMIN_URL, undefined) : undefined;
    if (database !== undefined) scope.defer(() => database.drop());
    process.stderr.write(`seeding ${options.events} events…\n`);
    const ids = await seed(dataDir, database?.url, join(temp.path, 'agents'), options.events);
    const env = { ARCHON72_DATA_DIR: dataDir, DEV_MODE: 'true', ENVIRONMENT: 'development', LOG_LEVEL: 'warn', ...(database === undefined ? {} : { DATABASE_URL: database.url }) };
    const server = await startServer(env);
    scope.defer(async () => void (await server.stop()));
    const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T;
    const scenarios: Scenario[] = [
      { name: 'GET /v1/health', path: '/v1/health' },
      { name: 'GET /v1/observer/events?limit=100', path: '/v1/observer/events?limit=100' },
      { name: 'GET /v1/observer/events?limit=100&after_sequence=(random)', path: () => `/v1/observer/events?limit=100&after_sequence=${Math.floor(Math.random() * (ids.length - 100))}` },
      { name: 'GET /v1/observer/events/sequence/(random)', path: () => `/v1/observer/events/sequence/${1 + Math.floor(Math.random() * ids.length)}` },
      { name: 'GET /v1/observer/events/(random event_id)', path: () => `/v1/observer/events/${pick(ids)}` },
    ];
    const results: Measured[] = [];
    for (const scenario of scenarios) {
      if (options.warmup > 0) await measure(server.url, scenario, options.warmup, options.connections);
      results.push(await measure(server.url, scenario, options.duration, options.connections));
      process.stderr.write(`measured ${scenario.name}\n`);
    }
    const machine = await collectMachineInfo(PG_ADMIN_URL);
    const table = formatTable(
      ['endpoint', 'requests/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
      results.map((r) => [r.name, formatNumber(r.requestsPerSecond), formatNumber(r.p50Ms, 1), formatNumber(r.p99Ms, 1), formatNumber(r.requests), String(r.non2xx), String(r.errors)]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    process.stdout.write(`${machine.summary}\nserver: ${server.kind} on ${options.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}, ${options.events} events; ${options.connections} connections, ${options.duration} s per endpoint\n\n${table}\n`);
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify({ date: new Date().toISOString(), machine, server: server.kind, options, results }, null, 2)}\n`);
  });
}

await main();
