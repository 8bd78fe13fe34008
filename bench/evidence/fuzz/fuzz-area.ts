import { randomBytes } from 'node:crypto';
import { createFuzzApp } from '../../../test/support/fuzz-app.js';
import { progress } from '../progress.js';
import { collectParserSeeds } from './parser-seeds.js';
import { parserTargets } from './parser-targets.js';
import { fuzzParser, type ParserFuzzRow } from './fuzz-parsers.js';
import { fuzzRawSocket, fuzzRoutes, type RouteFuzzRow } from './fuzz-routes.js';
import { fuzzServerProcess } from './fuzz-server.js';
import type { InvariantLog } from '../invariants.js';

/** What the bad-input area tried and saw. */
export interface FuzzReport {
  routes: RouteFuzzRow[];
  /** The same generators against a real server process. */
  server: { rows: RouteFuzzRow[]; alive: boolean; errorLines: string[] };
  parsers: ParserFuzzRow[];
  /** Uncaught exceptions and unhandled rejections while fuzzing. */
  crashes: string[];
}

/** Counts what would crash a server process: uncaught exceptions and unhandled rejections, until the returned function is called. */
function watchCrashes(crashes: string[]): () => void {
  const onError = (err: unknown) => crashes.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}

/**
 * The bad-input area: fast-check over every parser of outside input, then over every route of the app as
 * src/main.ts builds it (on an in-memory test stack) through inject(), raw bytes on a real socket, and the same
 * requests as bytes to a real `archon72 serve` process on PostgreSQL. Invariants: parsers only return or throw their
 * typed error; no answer is a 5xx other than 503 or an error out of shape; nothing crashes; everything still answers.
 */
export async function runFuzzArea(options: { routeRuns: number; rawRuns: number; serverRuns: number; parserRuns: number; pgAdminUrl: string }, invariants: InvariantLog): Promise<FuzzReport> {
  const adminToken = randomBytes(24).toString('hex');
  const fuzz = await createFuzzApp({ adminToken });
  const crashes: string[] = [];
  const unwatch = watchCrashes(crashes);
  try {
    const seeds = await collectParserSeeds(fuzz.app);
    const parsers: ParserFuzzRow[] = [];
    for (const target of parserTargets(seeds)) {
      const row = fuzzParser(target, options.parserRuns);
      parsers.push(row);
      progress(`fuzz parser ${row.name}: ${row.cases} inputs, ${row.accepted} accepted, ${Object.values(row.refused).reduce((a, b) => a + b, 0)} refused${row.failure ? `; FAILED: ${row.failure}` : ''}`);
    }
    const parserFailures = parsers.filter((p) => p.failure !== undefined);
    invariants.check('fuzz: parsers', 'every parser returns or throws its typed error (an AppError subclass), never anything else', parserFailures.length === 0, parserFailures.length === 0 ? `${parsers.length} parsers, ${parsers.reduce((n, p) => n + p.cases, 0)} inputs` : parserFailures.map((p) => `${p.name}: ${p.failure}`).join(' | '));

    progress(`fuzz routes: ${fuzz.targets.length} routes × ${options.routeRuns} requests…`);
    const routes = await fuzzRoutes(fuzz, options.routeRuns, adminToken);
    routes.push(await fuzzRawSocket(fuzz, options.rawRuns));
    const routeFailures = routes.filter((r) => r.failure !== undefined);
    const total = routes.reduce((n, r) => n + r.cases, 0);
    const fiveHundreds = routes.reduce((n, r) => n + Object.entries(r.statuses).filter(([s]) => /^5\d\d$/.test(s) && s !== '503').reduce((m, [, c]) => m + c, 0), 0);
    invariants.check('fuzz: routes', 'every public and admin route answers every request with no 5xx other than 503, errors in the documented shape', routeFailures.length === 0 && fiveHundreds === 0, routeFailures.length === 0 ? `${routes.length - 1} routes and raw socket requests, ${total} requests, 0 answers 500–599 other than 503` : routeFailures.map((r) => `${r.route}: ${r.failure}`).join(' | '));
    const health = await fuzz.app.inject({ url: '/v1/health' });
    invariants.check('fuzz: routes', 'the app still answers GET /v1/health 200 after the fuzzing', health.statusCode === 200, `${health.statusCode}`);
    invariants.check('fuzz', 'no uncaught exception or unhandled rejection while fuzzing', crashes.length === 0, crashes.length === 0 ? 'none' : crashes.slice(0, 5).join(' | '));

    progress(`fuzz a real archon72 serve process: ${fuzz.targets.length} routes × ${options.serverRuns} requests as raw bytes…`);
    const server = await fuzzServerProcess(options.pgAdminUrl, fuzz.targets, options.serverRuns, adminToken);
    const serverFailures = server.rows.filter((r) => r.failure !== undefined);
    invariants.check('fuzz: server process', 'a real `archon72 serve` answers every generated request with no 5xx other than 503, errors in shape', serverFailures.length === 0, serverFailures.length === 0 ? `${server.rows.reduce((n, r) => n + r.cases, 0)} requests to ${server.rows.length} routes` : serverFailures.map((r) => `${r.route}: ${r.failure}`).join(' | '));
    invariants.check('fuzz: server process', 'the process stays up, answers health afterwards, and logged nothing at level error or fatal', server.alive && server.errorLines.length === 0, `${server.alive ? 'up, health 200' : 'DOWN or not answering'}; ${server.errorLines.length} error/fatal log lines${server.errorLines[0] ? `: ${server.errorLines[0].slice(0, 300)}` : ''}`);
    return { routes, server, parsers, crashes };
  } finally {
    unwatch();
    await fuzz.close();
  }
}
