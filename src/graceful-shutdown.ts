import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownTargets {
  app: FastifyInstance;
  /** Closes everything below the HTTP server (appender, pools, channel, custody). */
  closeStack: () => Promise<void>;
  log: Logger;
}

/** On SIGTERM/SIGINT: stop accepting, close the server and then the stack, exit 0. */
export function installGracefulShutdown(targets: ShutdownTargets): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    targets.log.info({ signal }, 'shutdown: closing');
    void targets.app
      .close()
      .then(() => targets.closeStack())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
