import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { REQUIRE_SERVICES, shouldRunRedis } from '../../support/services.js';

/** A redis-server of a test's own, on a port nobody else uses, which the test may kill, freeze and restart. */
export interface RedisServerProcess {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: the server dies at once, with whatever it held (it keeps nothing on disk). */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps its sockets open but answers nothing. */
  freeze(): void;
  thaw(): void;
  /** Starts a fresh, empty server on the same port (after kill). */
  restart(): Promise<void>;
  /** Kills it if still running; for afterEach. */
  stop(): Promise<void>;
}

/**
 * Whether the suites that run their own redis-server can run: Redis must be usable (shouldRunRedis) and the
 * redis-server binary installed. Same skip/require rule as the other services.
 */
export async function shouldRunOwnRedisServer(suite: string): Promise<boolean> {
  if (!(await shouldRunRedis(suite))) return false;
  if (spawnSync('redis-server', ['--version']).status === 0) return true;
  const reason = 'redis-server is not installed';
  if (REQUIRE_SERVICES) throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; a race with another process is possible but rare). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts redis-server with nothing persisted, on `port` or else a free one; `extraArgs` are further server options.
 */
export async function startRedisServer(extraArgs: string[] = [], port?: number): Promise<RedisServerProcess> {
  port ??= await findFreePort();
  const serverPort = port;
  let child = await spawnServer(serverPort, extraArgs);
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port: serverPort,
    url: `redis://127.0.0.1:${serverPort}`,
    kill,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async restart() {
      await kill();
      child = await spawnServer(serverPort, extraArgs);
    },
    stop: kill,
  };
}

async function spawnServer(port: number, extraArgs: string[]): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', tmpdir(), ...extraArgs];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready after 10 s:\n${output}`)), 10_000);
    const onExit = (code: number | null): void => fail(new Error(`redis-server on port ${port} exited (${code}):\n${output}`));
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    });
    child.once('exit', onExit);
  });
  // Keep draining the pipes so the server never blocks on a full one.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}
