import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { buildApp } from './api/app.js';
import { createLogger } from './api/logger.js';
import { createConclaveService, openConclaveLlm, openStack, provisionKeys, requireMigrated, type Stack } from './compose.js';
import { loadRoster } from './adapters/conclave/roster-file.js';
import { CONSOLE_DIR, loadConsoleAssets } from './adapters/fs/console-assets.js';
import { installGracefulShutdown } from './graceful-shutdown.js';
import { requireConfigurationFloors } from './app/configuration-floors.js';
import { runPreoperationalVerification, type PreoperationalReport } from './app/preoperational/run-preoperational.js';
import { constitutionalHealth, RECENT_DRIFT_SECONDS } from './app/constitutional-health.js';
import { witnessPoolStatus } from './app/witness-pool.js';
import type { GovernanceSettings } from './domain/governance/constitutional-limits.js';
import { requireServeCheckpointing, type Config } from './app/config.js';
import { buildWitnessApp } from './api/witness-app.js';
import { verifyEd25519Sodium } from './adapters/crypto/sodium-ed25519.js';
import { systemClock } from './adapters/system-clock.js';
import { cosignerVkey, readCosignerKeyFile } from './adapters/witness/cosigner-key-file.js';
import { openFileCosignerState } from './adapters/witness/file-cosigner-state.js';
import { Cosigner } from './app/cosigner/cosigner.js';

export interface ServeOptions {
  /** Apply pending migrations instead of refusing to start. */
  migrate: boolean;
}

/** package.json's version, found relative to this file in src/ and in dist/src/. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../' + (import.meta.url.includes('/dist/src/') ? '../' : '') + 'package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Composition root of the server. The startup sequence, in this order, each failure stopping the process before
 * it listens (the CLI prints one line naming the error and exits non-zero):
 *   1. configuration (parsed by the caller) and 2. DEV_MODE/ENVIRONMENT consistency (parseConfig), then what
 *      serving adds: CHECKPOINT_ORIGIN, and outside development at least the quorum of CHECKPOINT_COSIGNERS and
 *      DATABASE_URL (requireServeCheckpointing: CONFIG_INVALID), so an unwitnessed or per-instance log never
 *      starts; the Conclave's roster
 *      (DELIBERATION_ROSTER_INVALID) and model provider (CONCLAVE_LLM_CONFIG read: CONFIG_INVALID);
 *   3. key custody: the HSM, or development keys (HSMNotConfiguredError);
 *   4. configuration floors, HALT_POLL_MS and CHECKPOINT_INTERVAL_SECONDS included (StartupFloorViolationError);
 *   5. pending migrations: refused unless `--migrate`;
 *   6. key provisioning and pre-operational verification (FR146, runbook §6.2).
 * Then the halt guard, the constitution watch and the checkpointer start, and the server listens. Resolves once
 * listening.
 */
export async function runServer(config: Config, options: ServeOptions): Promise<void> {
  requireServeCheckpointing(config);
  const log = createLogger({ level: config.logLevel, pretty: config.logFormat === 'pretty' });
  log.info({ environment: config.environment, devMode: config.devMode, backend: config.databaseUrl ? 'postgresql' : 'pglite', version: VERSION }, 'startup: configuration loaded');
  // The Conclave's inputs are checked with the configuration, before anything is opened. Nothing below main.ts reads
  // process.env: the provider is handed it for its API key variables (OPENAI_API_KEY, or those CONCLAVE_LLM_CONFIG names).
  const roster = loadRoster();
  const llm = openConclaveLlm(config.conclave, process.env);
  log.info({ provider: config.conclave.provider, archons: roster.archons.length }, 'startup: Conclave roster and model provider loaded');
  // The observer console is optional (the API is the product): unbuilt, the server says so and serves without it.
  const consoleAssets = loadConsoleAssets();
  if (consoleAssets === undefined) log.warn({ dir: CONSOLE_DIR }, 'startup: observer console not built (run npm run build); GET / answers 404');
  const stack = await openStack(config, 'archon72 serve', { custody: true, halt: true, replica: true });
  log.info({ hsmMode: stack.custody().mode }, 'startup: key custody opened');
  stack.onHaltLog((level, message, fields) => log[level](fields ?? {}, message));
  const operational = { haltPollMs: config.haltPollMs, checkpointIntervalSeconds: config.checkpointIntervalSeconds };
  let settings: GovernanceSettings;
  let verification: PreoperationalReport;
  try {
    settings = await requireConfigurationFloors(stack.constitution, operational);
    log.info({ settings }, 'startup: configuration floors checked');
    stack.useGovernance(settings);
    if (options.migrate) {
      const applied = await stack.migrator.migrate((version, name) => log.info({ version, migration: name }, 'startup: migration applied'));
      log.info({ applied: applied.length }, 'startup: migrations checked');
      if (applied.length > 0) {
        settings = await requireConfigurationFloors(stack.constitution, operational);
        stack.useGovernance(settings);
      }
    } else {
      await requireMigrated(stack);
      log.info('startup: migrations checked (none pending)');
    }
    await provisionKeys(stack);
    verification = await verifyBeforeStart(stack, settings, log);
    const guard = stack.haltGuard();
    // The guard reports its view after every poll; the log says when it changes.
    let lastKind = guard.current().kind;
    guard.onStatus((status) => {
      if (status.kind !== lastKind) log.warn({ halt: status }, `halt: this instance is now ${status.kind}`);
      lastKind = status.kind;
    });
    await guard.start();
    log.info({ halt: guard.current(), channel: stack.haltChannel().kind }, 'startup: halt guard started');
    await stack.constitutionWatch().start();
    stack.checkpointer().start();
    log.info({ origin: config.checkpointOrigin, everyEvents: config.checkpointEveryEvents, intervalSeconds: config.checkpointIntervalSeconds, cosigners: config.checkpointCosigners.length, quorum: config.checkpointCosignerQuorum }, 'startup: checkpointer started');
    stack.metrics.append.setHead((await stack.store.head())?.sequence ?? 0);
    stack.metrics.readGovernanceOnScrape({
      witnessPool: async () => (await witnessPoolStatus(stack, stack.clock.now())).members.length,
      clockDriftWarnings: async () => (await stack.clockDrift.counts(RECENT_DRIFT_SECONDS)).total,
    });
  } catch (err) {
    await stack.close();
    throw err;
  }
  const conclave = createConclaveService(stack, {
    roster,
    llm,
    provider: config.conclave.provider,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });

  const app = buildApp(
    {
      appender: stack.appender(),
      hsmMode: stack.custody().mode,
      pingDatabase: async () => {
        await stack.client.query('SELECT 1');
      },
      halt: {
        service: stack.haltService(),
        guard: stack.haltGuard(),
        state: stack.haltState,
        adminTokenSha256: config.adminTokenSha256,
        channel: stack.haltChannel(),
        requireChannel: stack.requireHaltChannel,
      },
      metrics: stack.metrics.registry,
      observer: {
        query: stack.eventQuery,
        stream: { feed: stack.eventFeed },
        chain: { store: stack.store, registry: stack.registry, verify: stack.verify, allowDevelopmentKeys: stack.allowDevelopmentKeys },
        keys: { registry: stack.registry, clock: stack.clock },
        export: { store: stack.store, keys: stack.keys, custody: stack.custody(), checkpoints: stack.checkpoints, clock: stack.clock },
      },
      proofs: { checkpoints: stack.checkpoints, proofs: stack.proofs },
      conclave: { service: conclave, adminTokenSha256: config.adminTokenSha256 },
      console: consoleAssets === undefined ? undefined : { assets: consoleAssets },
      version: VERSION,
      governance: {
        verification: verification.outcome.kind === 'bypassed' ? 'bypassed' : 'passed',
        constitutional: () =>
          constitutionalHealth({
            ...stack,
            operational,
            verification: { outcome: verification.outcome.kind, completedAt: verification.completedAt, checks: verification.results },
          }),
      },
    },
    { logger: log, trustProxy: config.trustedProxies, rateLimit: { max: config.rateLimitPerMinute } },
  );
  installGracefulShutdown({
    app,
    // Sessions running in the background stop first (a batch being written commits whole), then the stack closes.
    closeStack: async () => {
      await conclave.close();
      await stack.close();
    },
    log,
  });
  await app.listen({ host: config.apiHost, port: config.apiPort });
}

/** What `archon72 witness serve` was given (parsed and checked by src/cli/witness-serve.ts). */
export interface CosignerOptions {
  /** The cosigner key file (`archon72 witness keygen`). */
  key: string;
  /** The state file: the last checkpoint cosigned per log. */
  state: string;
  /** The logs to witness: origin to Ed25519 public key. */
  log: Map<string, Uint8Array>;
  listen: { host: string; port: number };
  logLevel: string;
}

/**
 * Composition root of the checkpoint cosigner (`archon72 witness serve`, C2SP tlog-witness, docs/PROTOCOL.md
 * §16.4): opens its key file and state file, builds its HTTP service, listens, and resolves once SIGTERM/SIGINT
 * closed it. Throws what opening the key or state file, or listening, throws.
 */
export async function runCosigner(opts: CosignerOptions): Promise<void> {
  const logger = createLogger({ level: opts.logLevel, pretty: false });
  const signer = readCosignerKeyFile(opts.key);
  const state = openFileCosignerState(opts.state);
  const cosigner = new Cosigner({
    logs: opts.log,
    state,
    signer,
    clock: systemClock,
    verify: verifyEd25519Sodium,
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });
  const app = buildWitnessApp(cosigner, logger);
  try {
    const address = await app.listen({ host: opts.listen.host, port: opts.listen.port });
    logger.info(
      { url: address, cosigner: signer.name, vkey: cosignerVkey(signer), logs: [...opts.log.keys()], state: opts.state, cosigned: Object.fromEntries(state.origins().map((o) => [o, state.latest(o)?.treeSize])) },
      `witness: cosigner ${signer.name} listening on ${address}`,
    );
  } catch (err) {
    state.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'witness: stopping');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await app.close();
  state.close();
}

/**
 * Pre-operational verification (FR146) against this stack's adapters: the hash chain (incremental from the last
 * verified point, the whole chain after a cleared halt), witness pool, keeper keys, checkpoint anchors, halt
 * state and replica sync. A broken chain halts the system (CT-13) and stops startup.
 */
function verifyBeforeStart(stack: Stack, settings: GovernanceSettings, log: Logger): Promise<PreoperationalReport> {
  return runPreoperationalVerification(
    {
      ...stack,
      anchors: { checkpoints: stack.checkpoints, merkle: stack.merkle, store: stack.store, keys: stack.keys, verify: stack.verify, allowDevelopmentKeys: stack.allowDevelopmentKeys },
      metrics: stack.metrics.governance,
      halt: async (reason) => {
        await stack
          .haltService()
          .halt({ reason, source: 'verification', actor: 'archon72 serve' })
          .catch((err: unknown) => log.error({ err }, 'pre_operational: could not record the halt'));
      },
      log: (level, message, fields) => log[level](fields ?? {}, message),
    },
    {
      settings,
      devMode: stack.config.devMode,
      bypassRequested: stack.config.allowVerificationBypass,
      environment: stack.config.environment,
      instance: `${hostname()}:${process.pid}`,
      checkpointOrigin: stack.config.checkpointOrigin,
    },
  );
}
