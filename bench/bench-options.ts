import { parseArgs } from 'node:util';

/** Admin URL used to create (and drop) a throwaway database when ARCHON72_BENCH_DATABASE_URL is not set. */
export const DEFAULT_PG_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** How the agent signatures are made relative to the timed section. */
export type SigningMode = 'presigned' | 'in-loop';

/** Everything the benchmark can be told, parsed once from argv and the environment. */
export interface BenchOptions {
  /** Events per measured configuration. */
  events: number;
  /** Events appended (and thrown away from the figures) before each backend's measurements. */
  warmupEvents: number;
  concurrency: number[];
  backends: Array<'postgresql' | 'pglite'>;
  signing: SigningMode[];
  /** Worker processes for the multi-process PostgreSQL runs; 0 or 1 skips them. */
  workers: number;
  /** Distinct agents (each with its own registered key) that sign the events. */
  agents: number;
  /** A database to use as is (not created, not dropped); otherwise a fresh one is created on the admin URL. */
  databaseUrl: string | undefined;
  adminUrl: string;
  /** How often a configuration measured while other processes were busy is measured again after a quiet wait. */
  busyRetries: number;
  /** Run the instrumented time breakdown after the measurements. */
  profile: boolean;
  /** Where the JSON result goes. */
  resultPath: string;
}

const HELP = `npm run bench:append -- [options]

  --events N         events per configuration           (BENCH_EVENTS, default 20000)
  --warmup N         warm-up events per backend          (BENCH_WARMUP, default 4000)
  --concurrency L    comma list of concurrent appenders  (BENCH_CONCURRENCY, default 1,8,64,256)
  --backends L       postgresql,pglite                   (BENCH_BACKENDS, default both)
  --signing L        presigned,in-loop                   (BENCH_SIGNING, default both)
  --workers N        processes for the multi-process PostgreSQL runs (BENCH_WORKERS, default 2; 1 = skip)
  --agents N         distinct signing agents             (BENCH_AGENTS, default 32)
  --busy-retries N   re-measure a configuration up to N times when other processes were busy during it
                     (BENCH_BUSY_RETRIES, default 2; 0 = never)
  --profile          add an instrumented time breakdown  (BENCH_PROFILE=1)
  --out PATH         JSON result file                    (default bench/results/append-latest.json)

  ARCHON72_BENCH_DATABASE_URL  use this PostgreSQL database instead of creating a fresh one
  ARCHON72_BENCH_PG_ADMIN_URL  admin URL for CREATE/DROP DATABASE (default ${DEFAULT_PG_ADMIN_URL})
`;

/** Parses argv (after the script name) and the environment; prints help and exits on --help. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      backends: { type: 'string' },
      signing: { type: 'string' },
      workers: { type: 'string' },
      agents: { type: 'string' },
      'busy-retries': { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  return {
    events: positiveInt('events', values.events ?? env.BENCH_EVENTS, 20_000),
    warmupEvents: positiveInt('warmup', values.warmup ?? env.BENCH_WARMUP, 4_000, true),
    concurrency: list(values.concurrency ?? env.BENCH_CONCURRENCY ?? '1,8,64,256').map((c) => positiveInt('concurrency', c, 1)),
    backends: choices('backends', values.backends ?? env.BENCH_BACKENDS ?? 'postgresql,pglite', ['postgresql', 'pglite'] as const),
    signing: choices('signing', values.signing ?? env.BENCH_SIGNING ?? 'presigned,in-loop', ['presigned', 'in-loop'] as const),
    workers: positiveInt('workers', values.workers ?? env.BENCH_WORKERS, 2),
    agents: positiveInt('agents', values.agents ?? env.BENCH_AGENTS, 32),
    busyRetries: positiveInt('busy-retries', values['busy-retries'] ?? env.BENCH_BUSY_RETRIES, 2, true),
    databaseUrl: nonEmpty(env.ARCHON72_BENCH_DATABASE_URL),
    adminUrl: nonEmpty(env.ARCHON72_BENCH_PG_ADMIN_URL) ?? DEFAULT_PG_ADMIN_URL,
    profile: values.profile === true || env.BENCH_PROFILE === '1',
    resultPath: values.out ?? 'bench/results/append-latest.json',
  };
}

/**
 * The PostgreSQL admin URL of the halt and http benchmarks: the test suites' server (ARCHON72_TEST_PG_URL) when
 * set, otherwise DEFAULT_PG_ADMIN_URL.
 */
export function testPgAdminUrl(env: NodeJS.ProcessEnv): string {
  return env.ARCHON72_TEST_PG_URL ?? DEFAULT_PG_ADMIN_URL;
}

/** `--name VALUE` and `--name` options read straight from argv, as the halt and http benchmarks take them. */
export interface ArgvReader {
  /** The word after `--name`, or undefined when `--name` is not given. */
  value(name: string): string | undefined;
  /** `--name` as a whole number, `fallback` when not given; throws naming the option when it is not a whole number ≥ `min`. */
  int(name: string, fallback: number, min: number): number;
  /** Whether `--name` is given. */
  flag(name: string): boolean;
}

/** Reads options from `argv` (after the script name); words it is not asked about are ignored. */
export function createArgvReader(argv: readonly string[]): ArgvReader {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    value,
    int(name, fallback, min) {
      const n = Number(value(name) ?? fallback);
      if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
      return n;
    },
    flag: (name) => argv.includes(`--${name}`),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function positiveInt(name: string, text: string | undefined, fallback: number, allowZero = false): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < (allowZero ? 0 : 1)) throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${text}`);
  return n;
}

function choices<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const picked = list(text);
  for (const p of picked) if (!(allowed as readonly string[]).includes(p)) throw new Error(`--${name}: ${p} is not one of ${allowed.join(', ')}`);
  return picked as T[];
}
