import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgClient } from './adapters/postgres/pg-client.js';
import { createPgliteClient } from './adapters/pglite/pglite-client.js';
import { lockDataDir } from './adapters/pglite/data-dir-lock.js';
import { createMigrator } from './adapters/postgres/migrator.js';
import { createPgEventStore } from './adapters/postgres/pg-event-store.js';
import { createPgKeyRegistry } from './adapters/postgres/pg-key-registry.js';
import { openKeyCustody } from './adapters/hsm/open-key-custody.js';
import { verifyEd25519Sodium } from './adapters/crypto/sodium-ed25519.js';
import { systemClock } from './adapters/system-clock.js';
import { KeyCache } from './app/key-cache.js';
import { EventAppender, type WriteGate } from './app/event-appender.js';
import { ensureAgentKey, EVENT_WRITER_ID, LOG_SIGNER_ID } from './app/provision-keys.js';
import { bootstrapWitnessPool, requireWitnessPoolFloor, WITNESS_POOL_FLOORS } from './app/witness-pool.js';
import { ConfigError, CustodyError, HaltError, StoreError } from './domain/errors.js';
import type { SystemEventDeps } from './app/system-events.js';
import { createPgHaltStateStore } from './adapters/postgres/pg-halt-state.js';
import { createInProcessHaltChannel } from './adapters/halt/in-process-halt-channel.js';
import { createPromMetrics, type PromMetrics } from './adapters/metrics/prom-metrics.js';
import { HaltService } from './app/halt-service.js';
import { HaltGuard } from './app/halt-guard.js';
import { verifyChain } from './app/verify-chain.js';
import { createPgConstitutionStore } from './adapters/postgres/pg-constitution.js';
import { createPgEventQuery } from './adapters/postgres/pg-event-query.js';
import { EventFeed } from './app/event-stream/event-feed.js';
import { createPgMerkleStore } from './adapters/postgres/pg-merkle-store.js';
import { createPgCheckpointStore } from './adapters/postgres/pg-checkpoint-store.js';
import { createPgCosignatureStore } from './adapters/postgres/pg-cosignature-store.js';
import { createHttpCosignerClient } from './adapters/witness/http-cosigner-client.js';
import { MerkleTreeAppender } from './app/merkle/tree-appender.js';
import { MerkleProofs, storedConsistencyProof } from './app/merkle/merkle-proofs.js';
import { Checkpointer } from './app/merkle/checkpointer.js';
import { CheckpointCosigning } from './app/cosign-checkpoint.js';
import { requireCheckpointOrigin } from './app/config.js';
import { nudgeOnCommit } from './app/event-stream/commit-nudge.js';
import { createPgVerificationLog } from './adapters/postgres/pg-verification-log.js';
import { createPgClockDriftLog } from './adapters/postgres/pg-clock-drift.js';
import { ConstitutionWatch } from './app/constitution-watch.js';
import { CONSTITUTIONAL_LIMITS, type GovernanceSettings } from './domain/governance/constitutional-limits.js';
import type { ReplicaProbe } from './app/preoperational/replica-check.js';
import { createSimulatedLlm } from './adapters/llm/simulated-llm.js';
import { createOpenAiLlm } from './adapters/llm/openai-llm.js';
import { llmConfigFromEnv, parseLlmConfig, routeLlm, type LlmProviderConfig } from './adapters/llm/llm-config.js';
import { resilientLlm } from './app/conclave/resilient-llm.js';
import { createSessionLog } from './app/conclave/session-log.js';
import { ConclaveService, type ConclaveServiceDeps } from './app/conclave/conclave-service.js';
import type { ConclaveDeps, SessionProgress, WriteStatus } from './app/conclave/run-session.js';
import type { Roster } from './domain/deliberation/roster.js';
import type { LlmClient } from './app/ports.js';
import type { Config, ConclaveConfig, ConclaveProvider } from './app/config.js';
import type { CheckpointStore, Clock, ClockDriftLog, ConstitutionStore, CosignatureStore, EventQuery, EventStore, MerkleStore, HaltChannel, HaltStateStore, KeyCustody, KeyRegistry, SchemaMigrator, VerificationLog } from './app/ports.js';
import type { SqlClient } from './adapters/postgres/sql-client.js';
import type { Ed25519Verify } from './domain/signing/ed25519.js';

/** How the halt machinery logs. */
export type HaltLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Everything a command or the server needs, built from configuration. Close it when done. */
export interface Stack {
  config: Config;
  client: SqlClient;
  store: EventStore;
  /** Filtered, paged reads of the log (the observer API). */
  eventQuery: EventQuery;
  /** New events for live streams (SSE): polls the store, nudged by this process's commits. */
  eventFeed: EventFeed;
  /** The RFC 6962 tree over the events (merkle_nodes), its signed checkpoints, their cosignatures, and proofs. */
  merkle: MerkleStore;
  checkpoints: CheckpointStore;
  cosignatures: CosignatureStore;
  proofs: MerkleProofs;
  /** Publishes signed checkpoints (custody must be open) and has them cosigned; the server starts it. */
  checkpointer(): Checkpointer;
  registry: KeyRegistry;
  keys: KeyCache;
  migrator: SchemaMigrator;
  verify: Ed25519Verify;
  /** Whether verification accepts development keys: only in DEV_MODE (docs/PROTOCOL.md §9). */
  allowDevelopmentKeys: boolean;
  clock: Clock;
  /** Key custody, opened by openStack({ custody: true }); throws CustodyError CUSTODY_NOT_CONFIGURED otherwise. */
  custody(): KeyCustody;
  appender(): EventAppender;
  /** What services that write system events need (custody must be open). */
  systemEventDeps(): SystemEventDeps;
  /** The canonical halt state (halt_state). */
  haltState: HaltStateStore;
  /** The fast halt channel: Redis when REDIS_URL is set, else in-process. Opened by openStack({ halt: true }). */
  haltChannel(): HaltChannel;
  /** Raising and clearing halts (custody must be open, to sign the halt's events). */
  haltService(): HaltService;
  /** This instance's halt view and write gate; wired into the appender. The server starts it (start()) before listening. */
  haltGuard(): HaltGuard;
  /** Prometheus metrics of this process. */
  metrics: PromMetrics;
  /** constitutional_config and the count of refused attempts to weaken it. */
  constitution: ConstitutionStore;
  /** The record of pre-operational verification runs. */
  verificationLog: VerificationLog;
  clockDrift: ClockDriftLog;
  /** The read replica (DATABASE_READ_URL), opened by openStack({ replica: true }) when configured. */
  replica: ReplicaProbe | undefined;
  /** Applies the governance settings in force (read at startup) to the write path: the submission window. */
  useGovernance(settings: GovernanceSettings): void;
  /** Halts the system when a governance threshold leaves its limits at runtime; the server starts it. */
  constitutionWatch(): ConstitutionWatch;
  /** Whether writes need the channel to be reachable: whenever REDIS_URL is set (fail closed, in every mode). */
  requireHaltChannel: boolean;
  /** Where the halt machinery logs (the server passes its logger). */
  onHaltLog(log: HaltLog): void;
  close(): Promise<void>;
}

export interface OpenStackOptions {
  /**
   * Open key custody now (the development HSM, or the PKCS#11 HSM with login): for commands that sign. A missing
   * or unusable HSM then fails here with HSMNotConfiguredError, before anything else happens.
   */
  custody?: boolean;
  /** Open the halt channel (Redis when REDIS_URL is set) and build the halt guard: for the server. */
  halt?: boolean;
  /** Connect to the read replica when DATABASE_READ_URL is set: for pre-operational verification. */
  replica?: boolean;
}

/**
 * Opens key custody when asked, then the configured database (PostgreSQL when DATABASE_URL is set, else
 * embedded PGlite under the data directory, locked against a second process), and wires the adapters. `holder`
 * names the process in the lock.
 */
export async function openStack(config: Config, holder: string, options: OpenStackOptions = {}): Promise<Stack> {
  const custody = options.custody ? await openKeyCustody(config) : undefined;
  let release = (): void => undefined;
  let client: SqlClient;
  if (config.databaseUrl !== undefined) {
    client = createPgClient({ connectionString: config.databaseUrl, applicationName: `archon72 ${holder}` });
  } else {
    try {
      release = lockDataDir(config.dataDir, holder);
      client = await createPgliteClient(join(config.dataDir, 'pglite'));
    } catch (err) {
      release();
      await custody?.close();
      throw err;
    }
  }
  const registry = createPgKeyRegistry(client);
  const keys = new KeyCache(registry);
  const store = createPgEventStore(client);
  let appender: EventAppender | undefined;
  let channel: HaltChannel | undefined;
  let haltService: HaltService | undefined;
  let guard: HaltGuard | undefined;
  if (options.halt) {
    try {
      channel = config.redisUrl === undefined ? createInProcessHaltChannel() : await openRedisChannel(config.redisUrl);
    } catch (err) {
      await client.close();
      release();
      await custody?.close();
      throw err;
    }
  }
  const metrics = createPromMetrics();
  const replicaClient =
    options.replica && config.databaseReadUrl !== undefined ? createPgClient({ connectionString: config.databaseReadUrl, applicationName: `archon72 ${holder} (replica check)` }) : undefined;
  let watch: ConstitutionWatch | undefined;
  // Agent submissions are refused outside this window of the server clock (replays); the server sets it from
  // constitutional_config once its floors are checked (useGovernance), before the appender exists.
  let submissionWindowSeconds: number = CONSTITUTIONAL_LIMITS.event_timestamp_window_seconds.initial;
  const constitution = createPgConstitutionStore(client);
  const merkle = createPgMerkleStore(client);
  const checkpoints = createPgCheckpointStore(client);
  const cosignatures = createPgCosignatureStore(client);
  let checkpointer: Checkpointer | undefined;
  let cosigning: CheckpointCosigning | undefined;
  const eventQuery = createPgEventQuery(client);
  const eventFeed = new EventFeed({
    query: eventQuery,
    head: async () => (await store.head())?.sequence ?? 0,
    onError: (err) => haltLog('warn', 'event feed: polling the store failed; retrying', { err: String(err) }),
  });
  const haltState = createPgHaltStateStore(client);
  const requireHaltChannel = config.redisUrl !== undefined;
  let haltLog: HaltLog = () => undefined;
  // With the halt in play every write passes the guard, which refuses until it has read the halt state (fail closed).
  const gate: WriteGate | undefined = options.halt
    ? {
        assertWritable: (eventType) => stack.haltGuard().assertWritable(eventType),
        haltSeenByDatabase: () => stack.haltGuard().haltSeenByDatabase(),
        integrityFault: (description) => stack.haltGuard().integrityFault(description),
      }
    : undefined;
  const stack: Stack = {
    config,
    client,
    store,
    eventQuery,
    eventFeed,
    merkle,
    checkpoints,
    cosignatures,
    proofs: new MerkleProofs({ merkle, checkpoints }),
    checkpointer() {
      if (checkpointer !== undefined) return checkpointer;
      const log: HaltLog = (level, message, fields) => haltLog(level, message, fields);
      checkpointer = new Checkpointer(
        {
          tree: new MerkleTreeAppender(merkle),
          merkle,
          checkpoints,
          custody: stack.custody(),
          keys,
          verify: verifyEd25519Sodium,
          clock: stack.clock,
          integrityFault: (description) => stack.haltGuard().integrityFault(description),
          log,
        },
        { origin: requireCheckpointOrigin(config), everyEvents: config.checkpointEveryEvents, intervalSeconds: config.checkpointIntervalSeconds },
      );
      cosigning = new CheckpointCosigning(
        {
          client: createHttpCosignerClient(),
          store: cosignatures,
          proofs: async (from, to) => (await storedConsistencyProof(merkle, from, to)).consistencyPath,
          verify: verifyEd25519Sodium,
          log,
        },
        { cosigners: config.checkpointCosigners, quorum: config.checkpointCosignerQuorum },
      );
      checkpointer.onPublished(cosigning.listener());
      return checkpointer;
    },
    registry,
    keys,
    migrator: createMigrator(client),
    verify: verifyEd25519Sodium,
    allowDevelopmentKeys: config.devMode,
    clock: systemClock,
    custody() {
      if (custody) return custody;
      throw new CustodyError({ code: 'CUSTODY_NOT_CONFIGURED', message: `${holder} opened no key custody, so it cannot sign` });
    },
    appender() {
      appender ??= new EventAppender(
        { store, keys, custody: stack.custody(), verify: verifyEd25519Sodium, gate, clock: stack.clock, metrics: nudgeOnCommit(metrics.append, () => eventFeed.nudge()) },
        { submissionWindowMs: submissionWindowSeconds * 1000 },
      );
      return appender;
    },
    haltState,
    metrics,
    constitution,
    verificationLog: createPgVerificationLog(client),
    clockDrift: createPgClockDriftLog(client),
    replica: replicaClient === undefined ? undefined : { store: createPgEventStore(replicaClient), maxLagEvents: config.replicaMaxLagEvents },
    useGovernance(settings) {
      if (appender !== undefined) throw new Error('useGovernance() must come before the appender is first used');
      submissionWindowSeconds = settings.event_timestamp_window_seconds;
    },
    constitutionWatch() {
      watch ??= new ConstitutionWatch({
        store: constitution,
        halt: async (reason) => {
          await stack.haltService().halt({ reason, source: 'constitution', actor: holder });
        },
        metrics: metrics.governance,
        log: (level, message, fields) => haltLog(level, message, fields),
        intervalMs: Math.max(config.haltPollMs, 1000),
      });
      return watch;
    },
    requireHaltChannel,
    haltChannel() {
      if (channel) return channel;
      throw new Error(`${holder} opened no halt channel (openStack({ halt: true }))`);
    },
    haltService() {
      haltService ??= new HaltService({
        state: haltState,
        channel: stack.haltChannel(),
        appender: stack.appender(),
        registry,
        keys,
        custody: stack.custody(),
        clock: stack.clock,
        verify: verifyEd25519Sodium,
        warn: (message, err) => haltLog('warn', message, { err: String(err) }),
      });
      return haltService;
    },
    haltGuard() {
      guard ??= new HaltGuard({
        state: haltState,
        channel: stack.haltChannel(),
        service: stack.haltService(),
        clock: stack.clock,
        metrics: metrics.halt,
        requireChannel: requireHaltChannel,
        verifyAfterClear: async () => {
          const report = await verifyChain({ ...stack });
          return report.fault === undefined ? undefined : `sequence ${report.fault.sequence}: ${report.fault.code}: ${report.fault.message}`;
        },
        pollMs: config.haltPollMs,
        log: (level, message, fields) => haltLog(level, message, fields),
      });
      return guard;
    },
    onHaltLog(log) {
      haltLog = log;
    },
    systemEventDeps() {
      return { registry, keys, custody: stack.custody(), appender: stack.appender(), clock: stack.clock };
    },
    async close() {
      try {
        eventFeed.close();
        guard?.stop();
        watch?.stop();
        await appender?.flush();
        // A last checkpoint on a graceful shutdown, and the cosigning rounds it started (neither ever rejects).
        await checkpointer?.stop({ flush: true });
        await cosigning?.idle();
        await client.close();
        await replicaClient?.close();
      } finally {
        release();
        await channel?.close();
        await custody?.close();
      }
    },
  };
  return stack;
}

/**
 * Refuses key registration and other administrative writes while the system is halted (CT-11: every write path
 * fails fast). Revocation is exempt: closing a compromised key is defensive. Throws HaltError SYSTEM_HALTED.
 */
export async function requireNotHalted(stack: Stack): Promise<void> {
  const state = await stack.haltState.read();
  if (state.halted) {
    throw new HaltError({ code: 'SYSTEM_HALTED', message: `the system is halted: ${state.reason ?? ''}`, details: { since: state.haltedAt, source: state.source } });
  }
}

/** Refuses to run on a schema with pending migrations (or edited ones): StoreError STORE_MIGRATIONS_PENDING. */
export async function requireMigrated(stack: Stack): Promise<void> {
  const pending = await stack.migrator.pending();
  if (pending.length > 0) {
    throw new StoreError({
      code: 'STORE_MIGRATIONS_PENDING',
      message: `the database has ${pending.length} pending migration(s) (${pending.join(', ')}); run \`archon72 migrate\` first`,
      details: { pending },
    });
  }
}

/**
 * Makes sure every system actor has its own key before the service writes: the event writer and the log signer
 * (SYSTEM:LOG, for checkpoints and export manifests); in development also the witness pool WITNESS:dev-01 … (as
 * large as the high-stakes floor, so every event type can be written); in production the initial pool when
 * WITNESS_BOOTSTRAP_ENABLED=true (refused once a pool exists). Then requires the witness pool floor. Returns the
 * event writer's key.
 * Throws WitnessError WITNESS_BOOTSTRAP_REFUSED or WITNESS_POOL_BELOW_FLOOR, CustodyError from custody.
 */
export async function provisionKeys(stack: Stack) {
  const deps = { registry: stack.registry, custody: stack.custody(), keys: stack.keys };
  const now = stack.clock.now();
  if (stack.config.devMode) {
    await bootstrapWitnessPool(deps, { count: WITNESS_POOL_FLOORS.highStakes, prefix: 'dev-', onlyIfEmpty: false }, now);
  } else if (stack.config.witnessBootstrapEnabled) {
    await bootstrapWitnessPool(deps, { count: WITNESS_POOL_FLOORS.highStakes, prefix: 'pool-', onlyIfEmpty: true }, now);
  }
  const writer = await ensureAgentKey(EVENT_WRITER_ID, deps, now);
  await ensureAgentKey(LOG_SIGNER_ID, deps, now);
  await requireWitnessPoolFloor(deps, stack.clock.now());
  return writer;
}

/** Redis is loaded only when configured, so the embedded default never needs it. */
async function openRedisChannel(url: string): Promise<HaltChannel> {
  const { createRedisHaltChannel } = await import('./adapters/redis/redis-halt-channel.js');
  return createRedisHaltChannel({ url });
}

/** Limits of the Conclave's model calls (the CLI's --timeout-ms, --retries and --concurrency defaults too). */
export const CONCLAVE_LLM_DEFAULTS = { timeoutMs: 30_000, retries: 2, concurrency: 8 } as const;

/** Which provider the Conclave's model client uses, and its limits (createConclaveLlm). */
export interface ConclaveLlmSettings {
  provider: ConclaveProvider;
  /** openai: the routing configuration (llm-config.ts); absent: OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY of `env`. */
  llmConfig?: LlmProviderConfig;
  timeoutMs: number;
  retries: number;
  concurrency: number;
}

/**
 * The Conclave's model client: the simulated provider, or openai routed per archon, behind the resilience wrapper
 * (timeouts, retries with jittered backoff, one concurrency cap). `env` holds the API key variables the routing
 * names. Throws ConfigError CONFIG_INVALID (a missing OPENAI_MODEL, an unset key variable, limits out of range).
 */
export function createConclaveLlm(settings: ConclaveLlmSettings, env: Record<string, string | undefined>): LlmClient {
  let inner: LlmClient;
  if (settings.provider === 'simulated') {
    inner = createSimulatedLlm();
  } else {
    inner = routeLlm(settings.llmConfig ?? llmConfigFromEnv(env), env, (endpoint) => createOpenAiLlm(endpoint));
  }
  return resilientLlm(inner, { timeoutMs: settings.timeoutMs, retries: settings.retries, baseDelayMs: 250, maxDelayMs: 10_000, maxConcurrency: settings.concurrency });
}

/**
 * The server's model client from its configuration (CONCLAVE_PROVIDER, CONCLAVE_LLM_CONFIG, OPENAI_*), with the
 * default limits; `env` is read only for the API key variables. Throws ConfigError CONFIG_INVALID naming
 * CONCLAVE_LLM_CONFIG when its file cannot be read, or as parseLlmConfig and createConclaveLlm do.
 */
export function openConclaveLlm(config: ConclaveConfig, env: Record<string, string | undefined>): LlmClient {
  let llmConfig: LlmProviderConfig | undefined;
  if (config.provider === 'openai') {
    llmConfig = config.llmConfigFile === undefined ? llmConfigFromEnv({ OPENAI_BASE_URL: config.openaiBaseUrl, OPENAI_MODEL: config.openaiModel, OPENAI_API_KEY: env.OPENAI_API_KEY }) : readLlmConfigFile(config.llmConfigFile);
  }
  return createConclaveLlm({ provider: config.provider, ...(llmConfig === undefined ? {} : { llmConfig }), ...CONCLAVE_LLM_DEFAULTS }, env);
}

function readLlmConfigFile(path: string): LlmProviderConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: `CONCLAVE_LLM_CONFIG=${path} cannot be read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, details: { variable: 'CONCLAVE_LLM_CONFIG' }, cause });
  }
  try {
    return parseLlmConfig(text);
  } catch (err) {
    const inner = err as ConfigError;
    throw new ConfigError({ code: 'CONFIG_INVALID', message: `CONCLAVE_LLM_CONFIG=${path}: ${inner.message}`, details: { ...inner.details, variable: 'CONCLAVE_LLM_CONFIG' }, cause: err });
  }
}

/** The session-independent parts of ConclaveDeps that do not come from the stack (conclaveDeps). */
export interface ConclaveParts {
  roster: Roster;
  llm: LlmClient;
  /** Whether writes are allowed; default: halt_state read from the database (commands run without a halt guard). */
  halt?: WriteStatus;
  onProgress?: (progress: SessionProgress) => void;
}

/**
 * What runSession and startSession need, from a stack whose key custody is open: the session log over the stack's
 * appender, event query and keys, the halt view and the stack's HALT_POLL_MS. Shared by `archon72 conclave` and the
 * server (createConclaveService).
 */
export function conclaveDeps(stack: Stack, parts: ConclaveParts): ConclaveDeps {
  const log = createSessionLog({ appender: stack.appender(), query: stack.eventQuery, clock: stack.clock, registry: stack.registry, custody: stack.custody(), keys: stack.keys });
  const haltState = stack.haltState;
  return {
    roster: parts.roster,
    llm: parts.llm,
    log,
    halt: parts.halt ?? { writable: async () => !(await haltState.read()).halted },
    ...(parts.onProgress === undefined ? {} : { onProgress: parts.onProgress }),
    haltPollMs: stack.config.haltPollMs,
  };
}

/**
 * The server's Conclave (POST /v1/conclave/sessions): sessions run in this process through the stack's halt guard
 * (openStack({ halt: true, custody: true })), which both refuses new sessions while halted and pauses running ones.
 * Close it before the stack (ConclaveService.close).
 */
export function createConclaveService(stack: Stack, parts: { roster: Roster; llm: LlmClient; provider: ConclaveProvider; log: ConclaveServiceDeps['log'] }): ConclaveService {
  const guard = stack.haltGuard();
  return new ConclaveService({
    conclave: conclaveDeps(stack, { roster: parts.roster, llm: parts.llm, halt: { writable: () => guard.current().kind === 'operational' } }),
    provider: parts.provider,
    gate: guard,
    log: parts.log,
    keepers: stack.registry,
    clock: stack.clock,
    verify: verifyEd25519Sodium,
  });
}
