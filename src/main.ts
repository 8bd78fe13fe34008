import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { openStack, provisionKeys, requireMigrated, type Stack } from './compose.js';
import { verifyChain } from './app/verify-chain.js';
import { installGracefulShutdown } from './graceful-shutdown.js';
import { AppError } from './domain/errors.js';
import type { Config } from './app/config.js';

/** Events re-verified at startup before the server listens (the rest is `archon72 verify-db`'s job for now). */
const STARTUP_VERIFY_TAIL = 1000;

export interface ServeOptions {
  /** Apply pending migrations instead of refusing to start. */
  migrate: boolean;
}

/**
 * Composition root of the server: opens the database, checks (or applies) migrations, provisions development
 * keys, verifies the chain's tail, then listens. Each failure stops startup with one log line. Closes cleanly
 * on SIGTERM/SIGINT. Resolves once listening.
 */
export async function runServer(config: Config, options: ServeOptions): Promise<void> {
  const log = pino({ level: config.logLevel });
  log.info({ environment: config.environment, devMode: config.devMode, backend: config.databaseUrl ? 'postgresql' : 'pglite' }, 'startup: configuration loaded');
  // Custody first: a missing or unusable HSM stops startup before the database is touched (HSMNotConfiguredError).
  const stack = await openStack(config, 'archon72 serve', { custody: true, halt: true });
  log.info({ hsmMode: stack.custody().mode }, 'startup: key custody opened');
  stack.onHaltLog((level, message, fields) => log[level](fields ?? {}, message));
  try {
    if (options.migrate) {
      const applied = await stack.migrator.migrate((version, name) => log.info({ version, name }, 'startup: migration applied'));
      log.info({ applied: applied.length }, 'startup: migrations checked');
    } else {
      await requireMigrated(stack);
    }
    await provisionKeys(stack);
    await verifyBeforeStart(stack, log);
    const guard = stack.haltGuard();
    guard.onStatus((status) => log.warn({ halt: status }, `halt: this instance is now ${status.kind}`));
    await guard.start();
    log.info({ halt: guard.current(), channel: stack.haltChannel().kind }, 'startup: halt guard started');
  } catch (err) {
    await stack.close();
    throw err;
  }

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
    },
    { logLevel: config.logLevel },
  );
  installGracefulShutdown({ app, closeStack: () => stack.close(), log });
  await app.listen({ host: config.apiHost, port: config.apiPort });
}

/**
 * Pre-operational verification (FR146): the last 1,000 events, or the whole chain in post-halt mode (runbook
 * §10.4: the last halt was cleared and nothing has been written since). A fault halts the system (CT-13: a hash
 * or signature mismatch halts) and stops startup.
 */
async function verifyBeforeStart(stack: Stack, log: pino.Logger): Promise<void> {
  const head = await stack.store.head();
  const postHalt = await isPostHalt(stack, head?.sequence);
  const from = postHalt ? 1 : Math.max(1, (head?.sequence ?? 0) - STARTUP_VERIFY_TAIL + 1);
  const report = await verifyChain(stack, { from });
  if (report.fault) {
    const message = `pre_operational verification failed at sequence ${report.fault.sequence}: ${report.fault.code}: ${report.fault.message}`;
    await stack
      .haltService()
      .halt({ reason: message, source: 'verification', actor: 'archon72 serve' })
      .catch((err: unknown) => log.error({ err }, 'pre_operational: could not record the halt'));
    throw new AppError({ code: report.fault.code, message });
  }
  log.info({ verified: report.verified, from: report.from, to: report.to, postHalt }, postHalt ? 'pre_operational: post-halt verification of the whole chain passed' : 'pre_operational: hash chain tail verified');
}

/** True when the last halt was cleared by a ceremony and no event has been stored after its halt.cleared event. */
async function isPostHalt(stack: Stack, headSequence: number | undefined): Promise<boolean> {
  const state = await stack.haltState.read();
  if (state.halted || state.ceremonyId === undefined) return false;
  return (await stack.haltState.clearEventSequence(state.ceremonyId)) === headSequence;
}
