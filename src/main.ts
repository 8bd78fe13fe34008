import { pino } from 'pino';
import { buildApp } from './api/app.js';
import { openStack, provisionKeys, requireMigrated, type Stack } from './compose.js';
import { verifyChain } from './app/verify-chain.js';
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
  const stack = await openStack(config, 'archon72 serve', { custody: true });
  log.info({ hsmMode: stack.custody().mode }, 'startup: key custody opened');
  try {
    if (options.migrate) {
      const applied = await stack.migrator.migrate((version, name) => log.info({ version, name }, 'startup: migration applied'));
      log.info({ applied: applied.length }, 'startup: migrations checked');
    } else {
      await requireMigrated(stack);
    }
    await provisionKeys(stack);
    await verifyStartupTail(stack, log);
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
    },
    { logLevel: config.logLevel },
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutdown: closing');
    void app
      .close()
      .then(() => stack.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ host: config.apiHost, port: config.apiPort });
}

async function verifyStartupTail(stack: Stack, log: pino.Logger): Promise<void> {
  const head = await stack.store.head();
  const from = Math.max(1, (head?.sequence ?? 0) - STARTUP_VERIFY_TAIL + 1);
  const report = await verifyChain(stack, { from });
  if (report.fault) {
    // CT-13: a hash or signature mismatch stops the service.
    throw new AppError({ code: report.fault.code, message: `pre_operational verification failed at sequence ${report.fault.sequence}: ${report.fault.code}: ${report.fault.message}` });
  }
  log.info({ verified: report.verified, from: report.from, to: report.to }, 'pre_operational: hash chain tail verified');
}
