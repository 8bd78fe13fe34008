import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArgvReader, testPgAdminUrl } from '../bench-options.js';

/** The measurement areas, in the order a run takes them. */
export const AREAS = ['load', 'faults', 'fuzz'] as const;
export type Area = (typeof AREAS)[number];

/** Everything `npm run evidence` can be told, parsed once. */
export interface EvidenceOptions {
  quick: boolean;
  /** Concurrent writers per load level. */
  levels: number[];
  /** Timed seconds per load level (after a warm-up per configuration). */
  seconds: number;
  /** Generated requests per route (route fuzzing) and raw socket requests. */
  routeRuns: number;
  rawRuns: number;
  /** Generated requests per route sent as bytes to a real server process. */
  serverRuns: number;
  /** Generated inputs per parser. */
  parserRuns: number;
  areas: Area[];
  /** Where RESULTS.md, the chart and results.json go. */
  outDir: string;
  /** Admin URL of the PostgreSQL server the load and most faults use (fresh databases are made and dropped there). */
  pgAdminUrl: string;
  /** The arguments as given, for the command that reproduces the run. */
  argv: string[];
}

const HELP = `npm run evidence -- [options]

  --quick            a short run for development (levels 1,4,16, 2 s each, few fuzz cases), written to a
                     temporary directory unless --out is given
  --levels L         concurrent writers per load level   (default 1,4,16,64,256; quick 1,4,16)
  --seconds N        timed seconds per level             (default 10; quick 2)
  --route-runs N     generated requests per route        (default 250; quick 20)
  --raw-runs N       raw byte requests on a real socket  (default 300; quick 30)
  --server-runs N    requests per route to a real archon72 serve process (default 40; quick 5)
  --parser-runs N    generated inputs per parser         (default 5000; quick 300)
  --only L           areas to run: load,faults,fuzz      (default all; a partial run's RESULTS.md says so)
  --out DIR          where RESULTS.md, evidence-appends.svg and results.json go (default docs/evidence)

  ARCHON72_TEST_PG_URL  admin URL of the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres)
Exit status: 0 when every invariant held, 1 when one broke (listed at the end), 2 on bad options.
`;

/** Parses argv (after the script name); prints help and exits on --help. Throws naming a bad option. */
export function parseEvidenceOptions(argv: string[], env: NodeJS.ProcessEnv): EvidenceOptions {
  const args = createArgvReader(argv);
  if (args.flag('help') || args.flag('h')) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const quick = args.flag('quick');
  const levels = (args.value('levels') ?? (quick ? '1,4,16' : '1,4,16,64,256')).split(',').map((s) => Number(s.trim()));
  if (levels.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) throw new Error('--levels: whole numbers 1–1024, comma-separated');
  const only = (args.value('only') ?? AREAS.join(',')).split(',').map((s) => s.trim());
  for (const area of only) if (!(AREAS as readonly string[]).includes(area)) throw new Error(`--only: ${area} is not one of ${AREAS.join(', ')}`);
  return {
    quick,
    levels,
    seconds: args.int('seconds', quick ? 2 : 10, 1),
    routeRuns: args.int('route-runs', quick ? 20 : 250, 1),
    rawRuns: args.int('raw-runs', quick ? 30 : 300, 1),
    serverRuns: args.int('server-runs', quick ? 5 : 40, 1),
    parserRuns: args.int('parser-runs', quick ? 300 : 5000, 1),
    areas: AREAS.filter((a) => only.includes(a)),
    outDir: args.value('out') ?? (quick ? join(tmpdir(), 'archon72-evidence-quick') : join('docs', 'evidence')),
    pgAdminUrl: testPgAdminUrl(env),
    argv: [...argv],
  };
}

/** The command line that reproduces a run with these options, for the report (--out left out). */
export function reproduceCommand(options: EvidenceOptions): string {
  const args: string[] = [];
  for (let i = 0; i < options.argv.length; i++) {
    if (options.argv[i] === '--out') i++;
    else args.push(options.argv[i] as string);
  }
  return `npm run evidence${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
}
