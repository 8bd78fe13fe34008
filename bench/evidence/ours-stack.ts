import { join } from 'node:path';
import { openBenchStack } from '../bench-stack.js';
import { provisionAgents, type AgentSigners } from '../bench-agents.js';
import { BENCH_POSTGRES_PIDS_SQL } from '../cpu-usage.js';
import { instanceEnv, startInstances } from '../halt-setup.js';
import { createInstanceClient, type InstanceClient } from '../halt-http.js';
import type { Scope } from '../bench-scope.js';
import type { Stack } from '../../src/compose.js';
import type { ServeProcess } from '../../test/support/serve-process.js';

/** Our log on one PostgreSQL database: the harness's own stack on it, and agents whose keys it registered. */
export interface OursStack {
  databaseUrl: string;
  /** The data directory the instances share: the development witness and log keys (the server's custody). */
  dataDir: string;
  /** The agents' key directory (their custody, never the server's). */
  agentDir: string;
  stack: Stack;
  signers: AgentSigners;
  /** PostgreSQL processes working for this database (its backends and the server's background processes). */
  postgresPids(): Promise<number[]>;
}

/**
 * Migrates `databaseUrl`, provisions the development keys into `<dir>/data` (as `archon72 serve` would) and `agents`
 * agents whose private keys live in `<dir>/agents`, a directory the server never reads. Closed by `scope`.
 */
export async function openOursStack(scope: Scope, databaseUrl: string, dir: string, agents = 32): Promise<OursStack> {
  const dataDir = join(dir, 'data');
  const stack = await openBenchStack(dataDir, databaseUrl, 'archon72 evidence');
  scope.defer(() => stack.close());
  const agentDir = join(dir, 'agents');
  const signers = await provisionAgents(agentDir, agents, { registry: stack.registry, keys: stack.keys });
  return {
    databaseUrl,
    dataDir,
    agentDir,
    stack,
    signers,
    postgresPids: async () => (await stack.client.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).map((r) => r.pid),
  };
}

/** Running `archon72 serve` processes on one database, with a keep-alive client each. */
export interface Instances {
  servers: ServeProcess[];
  clients: InstanceClient[];
  env: Record<string, string>;
  pids(): number[];
  /** SIGTERM to every process still running; waits for them to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `count` instances of the built server on `ours`' database and data directory, sharing the Redis at
 * `redisUrl`; `extraEnv` is added to every instance's environment. Killed (SIGKILL) by `scope` if still running.
 */
export async function startOurInstances(scope: Scope, ours: OursStack, redisUrl: string, count: number, options: { adminToken: string; maxSockets: number; extraEnv?: Record<string, string> }): Promise<Instances> {
  const env = { ...instanceEnv({ databaseUrl: ours.databaseUrl, dataDir: ours.dataDir, redisUrl, haltPollMs: 500, adminToken: options.adminToken }), ...options.extraEnv };
  const servers = await startInstances(env, count);
  const clients = servers.map((s) => createInstanceClient(s.port, options.maxSockets));
  scope.defer(() => {
    clients.forEach((c) => c.close());
    for (const s of servers) if (s.process.child.exitCode === null && s.process.child.signalCode === null) s.process.child.kill('SIGKILL');
  });
  return {
    servers,
    clients,
    env,
    pids: () => servers.map((s) => s.process.child.pid ?? 0),
    async stop() {
      clients.forEach((c) => c.close());
      await Promise.all(servers.map((s) => s.stop('SIGTERM')));
    },
  };
}
