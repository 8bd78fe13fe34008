import { randomBytes } from 'node:crypto';
import { makeTempDir } from '../../bench-stack.js';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process.js';
import { openOursStack, startOurInstances, type Instances, type OursStack } from '../ours-stack.js';
import type { Scope } from '../../bench-scope.js';

/** A served log for a fault scenario: our stack on the database, a private Redis, running instances. */
export interface FaultStack {
  ours: OursStack;
  redis: RedisProcess;
  instances: Instances;
  adminToken: string;
}

/**
 * Opens `databaseUrl` (migrated, development keys, agents), starts a private redis-server (no persistence: a
 * restart comes back empty) and `count` instances of the built server sharing both; `beforeStart` runs on the
 * stack before the instances start (to register keepers). Everything is torn down by `scope`.
 */
export async function openFaultStack(scope: Scope, databaseUrl: string, count: number, options: { maxSockets?: number; extraEnv?: Record<string, string>; beforeStart?: (ours: OursStack) => Promise<void> } = {}): Promise<FaultStack> {
  const tmp = makeTempDir('archon72-evidence-fault-');
  scope.defer(() => tmp.remove());
  const redis = await startRedisProcess();
  scope.defer(() => redis.kill('SIGKILL'));
  const ours = await openOursStack(scope, databaseUrl, tmp.path, 8);
  await options.beforeStart?.(ours);
  const adminToken = randomBytes(24).toString('hex');
  const instances = await startOurInstances(scope, ours, redis.url, count, { adminToken, maxSockets: options.maxSockets ?? 32, ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}) });
  return { ours, redis, instances, adminToken };
}

/** GET `path` on `client`'s instance; the status and parsed JSON body (undefined when not JSON). */
export async function getJson(client: Instances['clients'][number], path: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const answer = await client.request('GET', path);
  try {
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  } catch {
    return { status: answer.status, body: undefined };
  }
}
