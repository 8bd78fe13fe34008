import { createHash, randomUUID } from 'node:crypto';
import { buildApp } from '../../src/api/app.js';
import { createPromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { EventFeed } from '../../src/app/event-stream/event-feed.js';
import { MerkleProofs } from '../../src/app/merkle/merkle-proofs.js';
import { createPgMerkleStore } from '../../src/adapters/postgres/pg-merkle-store.js';
import { ensureAgentKey, LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { createPgConstitutionStore } from '../../src/adapters/postgres/pg-constitution.js';
import { createPgClockDriftLog } from '../../src/adapters/postgres/pg-clock-drift.js';
import { createPgCheckpointStore } from '../../src/adapters/postgres/pg-checkpoint-store.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { constitutionalHealth } from '../../src/app/constitutional-health.js';
import { loadRoster } from '../../src/adapters/conclave/roster-file.js';
import { createSessionLog } from '../../src/app/conclave/session-log.js';
import { ConclaveService } from '../../src/app/conclave/conclave-service.js';
import { CONCLAVE_LLM_DEFAULTS, createConclaveLlm } from '../../src/compose.js';
import { createTestStack } from './test-stack.js';
import { createTestHalt } from './test-halt.js';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { FuzzTarget } from './fuzz-requests.js';

// No vitest import here: the evidence harness (bench/evidence/fuzz) builds the same app.

/** The app under fuzzing, every route it registered, and how to close it all. */
export interface FuzzApp {
  app: FastifyInstance;
  /** Every registered route (those added later too), plus a catch-all GET /* for unknown paths. */
  targets: FuzzTarget[];
  close(): Promise<void>;
}

/**
 * buildApp() with the services src/main.ts gives it, on a test stack (PGlite in memory, development keys, a halt
 * guard), ready, with a few stored events carrying odd Unicode so reads answer 200 with real bodies too.
 * `adminToken` (optional) is the ADMIN_TOKEN the admin routes accept; otherwise a random one nobody knows.
 */
export async function createFuzzApp(options: { adminToken?: string } = {}): Promise<FuzzApp> {
  const stack = await createTestStack();
  await ensureAgentKey(LOG_SIGNER_ID, stack, systemClock.now());
  const feed = new EventFeed({ query: createPgEventQuery(stack.client), head: async () => (await stack.store.head())?.sequence ?? 0, onError: () => undefined });
  const metrics = createPromMetrics();
  const halt = await createTestHalt(stack, { forwardMetrics: metrics.halt });
  const adminTokenSha256 = createHash('sha256').update(options.adminToken ?? randomUUID()).digest();
  const conclave = new ConclaveService({
    conclave: {
      roster: loadRoster(),
      llm: createConclaveLlm({ provider: 'simulated', ...CONCLAVE_LLM_DEFAULTS }, {}),
      log: createSessionLog({ appender: halt.appender, query: createPgEventQuery(stack.client), clock: systemClock, registry: stack.registry, custody: stack.custody, keys: stack.keys }),
      halt: { writable: () => halt.guard.current().kind === 'operational' },
    },
    provider: 'simulated',
    gate: halt.guard,
    log: () => undefined,
    keepers: stack.registry,
    clock: systemClock,
    verify: verifyEd25519Sodium,
  });
  const app = buildApp(
    {
      appender: halt.appender,
      hsmMode: stack.custody.mode,
      pingDatabase: async () => void (await stack.client.query('SELECT 1')),
      halt: { service: halt.service, guard: halt.guard, state: halt.state, adminTokenSha256, channel: halt.channel, requireChannel: false },
      metrics: metrics.registry,
      version: '0.0.0-fuzz',
      conclave: { service: conclave, adminTokenSha256 },
      governance: {
        verification: 'passed',
        constitutional: () =>
          constitutionalHealth({
            ...stack,
            haltState: halt.state,
            constitution: createPgConstitutionStore(stack.client),
            clockDrift: createPgClockDriftLog(stack.client),
            checkpoints: createPgCheckpointStore(stack.client),
            clock: systemClock,
            operational: { haltPollMs: 500, checkpointIntervalSeconds: 60 },
            verification: { outcome: 'passed', completedAt: systemClock.now(), checks: [] },
          }),
      },
      observer: {
        query: createPgEventQuery(stack.client),
        // A short stream lifetime: inject() waits for a response to end.
        stream: { feed, maxDurationMs: 30, maxStreamsPerClient: 1000 },
        chain: { store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true },
        keys: { registry: stack.registry, clock: systemClock },
        export: { store: stack.store, keys: stack.keys, custody: stack.custody, checkpoints: createPgCheckpointStore(stack.client), clock: systemClock },
      },
      proofs: { checkpoints: createPgCheckpointStore(stack.client), proofs: new MerkleProofs({ merkle: createPgMerkleStore(stack.client), checkpoints: createPgCheckpointStore(stack.client) }) },
    },
    { logLevel: 'silent' },
  );
  const targets: FuzzTarget[] = [];
  // Every route, including those added after this was written.
  app.addHook('onRoute', (route: RouteOptions) => {
    const members = (part: unknown) => Object.keys((part as { properties?: object } | undefined)?.properties ?? {});
    for (const method of [route.method].flat()) targets.push({ method, url: route.url, bodyMembers: members(route.schema?.body), queryMembers: members(route.schema?.querystring) });
  });
  await app.ready();
  targets.push({ method: 'GET', url: '/*', bodyMembers: [], queryMembers: [] });
  // Stored events with odd unicode, so reads answer 200 with real bodies too.
  for (const text of ['\u202Eevil\u202C', 'Ωmega 🜂', 'e\u0301', '\u{10FFFF}']) await halt.appender.append(await stack.submission({ payload: { text } }));
  return {
    app,
    targets,
    async close() {
      await app.close();
      await conclave.close();
      feed.close();
      await halt.stop();
      await stack.close();
    },
  };
}
