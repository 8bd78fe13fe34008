import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

// No vitest import here: bench/halt.bench.ts uses this file too.

/** undefined when `redis-server` and `redis-cli` are installed, otherwise why not. */
export function redisBinariesUnavailableReason(): string | undefined {
  for (const binary of ['redis-server', 'redis-cli']) {
    const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (run.error || run.status !== 0) return `${binary} is not installed (apt-get install redis-server)`;
  }
  return undefined;
}

/**
 * Whether to run a suite that starts its own redis-server. Skips (printing the reason) when the binaries are
 * absent, unless ARCHON72_REQUIRE_SERVICES=1, where absence throws so the run fails (as shouldRunPostgres does).
 */
export function shouldRunOwnRedis(suite: string): boolean {
  const reason = redisBinariesUnavailableReason();
  if (reason === undefined) return true;
  if (process.env.ARCHON72_REQUIRE_SERVICES === '1') throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}

/** A port nobody listens on right now (the kernel picks it; a small race with other processes remains). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server child of this process, with no persistence, so a restart starts empty. */
export interface RedisProcess {
  port: number;
  url: string;
  /** The running child, or undefined between kill() and start(). */
  readonly child: ChildProcess | undefined;
  /** Starts the server (again) on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Sends `signal` (default SIGKILL: no shutdown, no save) and waits for the child to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Runs `redis-cli -p PORT …args` and returns its stdout without the trailing newline; throws on a non-zero exit. */
  cli(args: string[]): string;
}

/**
 * Starts `redis-server --port PORT --bind 127.0.0.1 --save '' --appendonly no …extraArgs` and waits for it to answer.
 * Kill it with kill(); the caller must kill it in afterAll even when a test failed.
 */
export async function startRedisProcess(port?: number, extraArgs: string[] = []): Promise<RedisProcess> {
  const chosen = port ?? (await freePort());
  let child: ChildProcess | undefined;
  let log = '';
  const cli = (args: string[]): string => {
    const run = spawnSync('redis-cli', ['-p', String(chosen), ...args], { encoding: 'utf8', timeout: 10_000 });
    if (run.error || run.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${run.error?.message ?? run.stderr}`);
    return run.stdout.replace(/\n$/, '');
  };
  const redis: RedisProcess = {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    get child() {
      return child;
    },
    async start() {
      if (child !== undefined) throw new Error('redis-server is already running');
      log = '';
      const started = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
      started.stdout.on('data', (d: Buffer) => (log += d.toString()));
      started.stderr.on('data', (d: Buffer) => (log += d.toString()));
      child = started;
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (started.exitCode !== null) throw new Error(`redis-server on port ${chosen} exited with ${started.exitCode}: ${log}`);
        const ping = spawnSync('redis-cli', ['-p', String(chosen), 'PING'], { encoding: 'utf8', timeout: 2_000 });
        if (ping.stdout?.trim() === 'PONG') return;
        if (Date.now() > deadline) throw new Error(`redis-server on port ${chosen} did not answer PING: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal = 'SIGKILL') {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      await exited;
    },
    cli,
  };
  await redis.start();
  return redis;
}
