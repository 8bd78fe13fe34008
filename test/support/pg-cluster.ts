import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis-process.js';

// No vitest import here, like redis-process.ts: usable from benchmarks too.

/** Where Debian's postgresql packages put the server binaries, one directory per major version. */
const POSTGRES_LIB_DIR = '/usr/lib/postgresql';
/** The OS user that owns the cluster when this process runs as root (initdb refuses to run as root). */
const CLUSTER_OWNER = 'postgres';
/** pg_ctl's own bound on start and stop (-t, seconds). */
const PG_CTL_TIMEOUT_S = 30;

/** How pg_ctl stops the server: immediate is a crash (no checkpoint; WAL replay on the next start). */
export type PgStopMode = 'smart' | 'fast' | 'immediate';

/** A PostgreSQL cluster of a test's own (initdb into a temp dir, trust auth, 127.0.0.1 only), stopped and started at will. */
export interface PgCluster {
  readonly port: number;
  /** postgresql://postgres@127.0.0.1:PORT/postgres */
  readonly adminUrl: string;
  /** `pg_ctl start -w`: resolves once the server accepts connections (after crash recovery if it was killed). */
  start(): Promise<void>;
  /** `pg_ctl stop -m MODE -w`: resolves once the server has exited. */
  stop(mode: PgStopMode): Promise<void>;
  /** Creates database `name` and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (immediate) if running and deletes the cluster's directory. Never throws; for afterAll. */
  destroy(): void;
}

/** The newest installed PostgreSQL's bin directory holding initdb and pg_ctl, or undefined. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(POSTGRES_LIB_DIR)) return undefined;
  const versions = readdirSync(POSTGRES_LIB_DIR)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(POSTGRES_LIB_DIR, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

/** undefined when a private cluster can be made here, otherwise why not. */
export function pgClusterUnavailableReason(): string | undefined {
  if (postgresBinDir() === undefined) return `no PostgreSQL server binaries (initdb, pg_ctl) under ${POSTGRES_LIB_DIR}/*/bin (apt-get install postgresql)`;
  if (isRoot()) {
    if (ownerIds() === undefined) return `running as root, and there is no "${CLUSTER_OWNER}" user to own the cluster (initdb refuses root)`;
    if (spawnSync('runuser', ['--help']).error) return 'running as root, and runuser (util-linux) is missing to run initdb as another user';
  }
  return undefined;
}

/**
 * Whether to run a suite that makes its own PostgreSQL cluster. Skips (printing the reason) when PostgreSQL is not
 * installed, unless ARCHON72_REQUIRE_SERVICES=1, where absence throws so the run fails (as shouldRunPostgres does).
 */
export function shouldRunPgCluster(suite: string): boolean {
  const reason = pgClusterUnavailableReason();
  if (reason === undefined) return true;
  if (process.env.ARCHON72_REQUIRE_SERVICES === '1') throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}

/**
 * initdb into a new temp directory (as the postgres user when root), then starts the server on a free port
 * (or `port`), listening on 127.0.0.1 with its socket in that directory, trust auth. Call destroy() in afterAll,
 * even when a test failed; should the test process exit first, an exit hook stops the server.
 */
export async function startPgCluster(port?: number): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(pgClusterUnavailableReason());
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'archon72-pg-cluster-'));
  const owner = isRoot() ? ownerIds() : undefined;
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const command = (tool: string, args: string[]): [string, string[]] =>
    owner === undefined ? [join(bin, tool), args] : ['runuser', ['-u', CLUSTER_OWNER, '--', join(bin, tool), ...args]];
  const failure = (tool: string, args: string[], how: string, output: string): Error => {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '';
    return new Error(`${tool} ${args.join(' ')} failed (${how}):\n${output}${log}`);
  };
  // Asynchronous, so the test's event loop keeps reading its server's output while pg_ctl waits.
  const run = (tool: string, args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const [file, argv] = command(tool, args);
      const child = spawn(file, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.once('error', (err) => reject(failure(tool, args, err.message, output)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(failure(tool, args, `exit ${code}`, output))));
    });
  const postmasterPid = join(data, 'postmaster.pid');
  // Synchronous: also runs from the process's exit hook, where nothing asynchronous happens any more.
  const stopNow = (): void => {
    if (!existsSync(postmasterPid)) return;
    const [file, argv] = command('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(PG_CTL_TIMEOUT_S)]);
    spawnSync(file, argv, { cwd: dir, stdio: 'ignore', timeout: (PG_CTL_TIMEOUT_S + 10) * 1000 });
  };
  // A test process that dies without afterAll must not leave a postmaster behind (pg_ctl detaches it from us).
  process.once('exit', stopNow);

  try {
    // --no-sync: a throwaway cluster need not survive an OS crash. The server itself keeps fsync on, as in production.
    await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    appendFileSync(join(data, 'postgresql.conf'), `\n# archon72 test cluster\nport = ${chosen}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\n`);
  } catch (err) {
    process.off('exit', stopNow);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const adminUrl = `postgresql://postgres@127.0.0.1:${chosen}/postgres`;
  const cluster: PgCluster = {
    port: chosen,
    adminUrl,
    start: () => run('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', String(PG_CTL_TIMEOUT_S)]),
    stop: (mode) => run('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', String(PG_CTL_TIMEOUT_S)]),
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgresql://postgres@127.0.0.1:${chosen}/${name}`;
    },
    destroy() {
      stopNow();
      process.off('exit', stopNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (err) {
    cluster.destroy();
    throw err;
  }
  return cluster;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** uid and gid of CLUSTER_OWNER, or undefined when there is no such user. */
function ownerIds(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', CLUSTER_OWNER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', CLUSTER_OWNER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
