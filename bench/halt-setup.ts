import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../src/adapters/crypto/sodium-ed25519.js';
import { keeperRegistrationStatement, registerKeeperKey } from '../src/app/keeper-registration.js';
import { newClearStatement } from '../src/app/halt-service.js';
import { toBase64, toHex } from '../src/domain/encoding/bytes.js';
import { toCanonicalTimestamp } from '../src/domain/chain/timestamp.js';
import { keeperStatementMessage, toSignedStatementJson, type KeeperStatement, type SignedKeeperStatement } from '../src/domain/signing/keeper-statement.js';
import { startServe, type ServeProcess } from '../test/support/serve-process.js';
import { freePort } from '../test/support/redis-process.js';
import type { Stack } from '../src/compose.js';
import type { HaltRecord } from '../src/app/ports.js';

/** A keeper whose key the benchmark holds (in a real ceremony each keeper signs on their own machine). */
export interface BenchKeeper {
  keeperId: string;
  keyId: string;
  secretKey: Buffer;
}

/** The keeper's signature over `statement` (as `archon72 halt ceremony sign` makes it). */
export function signAsKeeper(keeper: BenchKeeper, statement: KeeperStatement): SignedKeeperStatement {
  return { statement, keeperId: keeper.keeperId, keyId: keeper.keyId, signature: toBase64(signEd25519(keeper.secretKey, keeperStatementMessage(statement))) };
}

/** Registers the first quorum of keepers (a recorded bootstrap, docs/PROTOCOL.md §14.5) with fresh random keys. */
export async function registerBenchKeepers(stack: Stack, names: string[]): Promise<BenchKeeper[]> {
  const keepers: BenchKeeper[] = [];
  for (const name of names) {
    const pair = keyPairFromSeed(randomBytes(32));
    const keeper = { keeperId: `KEEPER:${name}`, keyId: `keeper-${name}-${randomBytes(4).toString('hex')}`, secretKey: pair.secretKey };
    const request = signAsKeeper(keeper, keeperRegistrationStatement(keeper.keeperId, keeper.keyId, toHex(pair.publicKey)));
    await registerKeeperKey({ ...stack.systemEventDeps(), verify: verifyEd25519Sodium }, request, []);
    keepers.push(keeper);
  }
  return keepers;
}

/** The body of POST /v1/halt/ceremony clearing `halt`, signed by every keeper in `keepers`. */
export function clearCeremonyBody(halt: HaltRecord, keepers: BenchKeeper[], reason: string): string {
  const now = Date.now();
  const statement = newClearStatement(halt, reason, toCanonicalTimestamp(new Date(now)), toCanonicalTimestamp(new Date(now + 30 * 60_000)));
  return JSON.stringify({ statement, signatures: keepers.map((k) => toSignedStatementJson(signAsKeeper(k, statement))) });
}

/** Environment of the instances: development keys in one shared data directory, one database, one Redis. */
export function instanceEnv(options: { databaseUrl: string; dataDir: string; redisUrl: string; haltPollMs: number; adminToken: string }): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    DEV_MODE: 'true',
    ENVIRONMENT: 'development',
    ARCHON72_DATA_DIR: join(options.dataDir),
    REDIS_URL: options.redisUrl,
    HALT_POLL_MS: String(options.haltPollMs),
    ADMIN_TOKEN: options.adminToken,
    LOG_LEVEL: 'warn',
  };
}

/** Starts `count` instances one after the other (each provisions the development keys at startup). */
export async function startInstances(env: Record<string, string>, count: number): Promise<ServeProcess[]> {
  const servers: ServeProcess[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startServe(env, await freePort()));
  } catch (err) {
    for (const s of servers) s.process.child.kill('SIGKILL');
    throw err;
  }
  return servers;
}

/**
 * When each instance's guard logged that it turned halted (pino's `time`, ms since the epoch), from the server logs
 * written since `offsets` (updated in place): the server's own view, free of HTTP and client delays.
 */
export function haltedLogTimes(servers: ServeProcess[], offsets: number[]): Array<number | undefined> {
  return servers.map((server, i) => {
    const text = server.process.out.stdout.slice(offsets[i] ?? 0);
    offsets[i] = server.process.out.stdout.length;
    for (const line of text.split('\n')) {
      if (!line.includes('this instance is now halted')) continue;
      try {
        return (JSON.parse(line) as { time: number }).time;
      } catch {
        // a partial line: ignore
      }
    }
    return undefined;
  });
}
