import { constants } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** How long a shutdown may take, from the first signal to the stack closed, before the process gives up. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Exit codes of a shutdown. A second signal exits with 128 + the signal's number (SIGTERM 143, SIGINT 130), the
 * code a shell reports for a process killed by that signal: the shutdown was cut short on purpose.
 */
export const SHUTDOWN_EXIT = {
  /** Every in-flight request answered and the stack closed. */
  clean: 0,
  /** Closing failed, or did not finish within SHUTDOWN_TIMEOUT_MS. */
  failed: 1,
} as const;

export interface ShutdownTargets {
  app: FastifyInstance;
  /** Closes everything below the HTTP server (appender, pools, channel, custody). */
  closeStack: () => Promise<void>;
  log: Logger;
}

type Step = 'draining requests' | 'closing the stack';

/**
 * Installs the SIGTERM/SIGINT handlers of the server. Call it before `listen()`: it adds an onSend hook.
 *
 * The first signal stops accepting connections, lets every request already received finish (an append answers
 * only once committed, so every 201 sent is in the log), closes the stack, logs each step and exits 0; requests
 * arriving on an open connection meanwhile get Fastify's 503, and new connections are refused. A failure while
 * closing exits 1. A shutdown still running after SHUTDOWN_TIMEOUT_MS exits 1 with a log line naming the step it
 * was stuck in. A second SIGTERM or SIGINT during the shutdown exits at once with 128 + its number, without
 * waiting for in-flight requests or closing the stack.
 */
export function installGracefulShutdown(targets: ShutdownTargets): void {
  const { app, log } = targets;
  let first: NodeJS.Signals | undefined;
  // A keep-alive connection busy when the signal came would otherwise stay open after its answer until the
  // keep-alive timeout (72 s in Fastify), and server.close() waits for it. Told to close, the client does not send
  // another request on it, and Node closes it once the answer is written.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (first !== undefined) reply.header('connection', 'close');
    return payload;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== undefined) {
      const code = 128 + constants.signals[signal];
      log.error({ signal, first, exitCode: code }, `shutdown: second signal (${signal}) during shutdown; exiting at once with ${code}, without waiting for in-flight requests or closing the stack`);
      process.exit(code);
    }
    first = signal;
    void shutdown(targets, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** The shutdown itself; always ends the process. */
async function shutdown({ app, closeStack, log }: ShutdownTargets, signal: NodeJS.Signals): Promise<void> {
  const started = Date.now();
  let step: Step = 'draining requests';
  // Not unref'd: should every handle close while a step still waits on a promise, the process must not exit 0 by
  // itself with the stack half closed.
  setTimeout(() => {
    void openConnections(app).then((connections) => {
      log.error({ signal, step, connections, timeoutMs: SHUTDOWN_TIMEOUT_MS }, `shutdown: not finished after ${SHUTDOWN_TIMEOUT_MS} ms (stuck ${step}); exiting with ${SHUTDOWN_EXIT.failed}`);
      process.exit(SHUTDOWN_EXIT.failed);
    });
  }, SHUTDOWN_TIMEOUT_MS);
  try {
    // close() starts in the signal's own tick: nothing is awaited first that would let more requests in.
    log.info({ signal, timeoutMs: SHUTDOWN_TIMEOUT_MS }, `shutdown: ${signal} received; refusing new connections, letting in-flight requests finish`);
    await app.close();
    log.info({ ms: Date.now() - started }, 'shutdown: HTTP server closed; every in-flight request has been answered');
    step = 'closing the stack';
    await closeStack();
    log.info({ ms: Date.now() - started }, 'shutdown: stack closed (appender flushed, database, halt channel and key custody closed)');
  } catch (err) {
    log.error({ err, step }, `shutdown: failed while ${step}; exiting with ${SHUTDOWN_EXIT.failed}`);
    process.exit(SHUTDOWN_EXIT.failed);
  }
  log.info({ ms: Date.now() - started }, `shutdown: complete; exiting with ${SHUTDOWN_EXIT.clean}`);
  process.exit(SHUTDOWN_EXIT.clean);
}

/** Connections the HTTP server still holds open (for the timeout's log line); undefined when it cannot say. */
function openConnections(app: FastifyInstance): Promise<number | undefined> {
  return new Promise((resolve) => app.server.getConnections((err, count) => resolve(err ? undefined : count)));
}
