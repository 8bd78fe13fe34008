import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { answerClientError, installErrorHandler, sendError } from './errors.js';
import { healthRoutes, type GovernanceHealthOptions } from './routes/health/health-routes.js';
import { eventRoutes } from './routes/events/event-routes.js';
import { parseJsonBytes } from '../domain/encoding/parse-json.js';
import { haltRoutes, type HaltRoutesOptions } from './routes/halt/halt-routes.js';
import { metricsRoutes } from './routes/metrics/metrics-routes.js';
import { observerRoutes, type ObserverRoutesOptions } from './routes/observer/observer-routes.js';
import { proofRoutes, type ProofRoutesOptions } from './routes/observer/proof-routes.js';
import { CONCLAVE_PREFIX, conclaveRoutes, type ConclaveRoutesOptions } from './routes/conclave/conclave-routes.js';
import { consoleRoutes, type ConsoleRoutesOptions } from './routes/console/console-routes.js';
import { installRequestIdHeader, requestIdFor } from './plugins/request-id.js';
import { installRouteNotFound } from './plugins/route-not-found.js';
import { installHttpMetrics } from './plugins/http-metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { installRateLimit, type RateLimitSettings } from './plugins/rate-limit.js';
import type { EventAppender } from '../app/event-appender.js';
import type { HaltChannel } from '../app/ports.js';
import type { Registry } from 'prom-client';

/** Request bodies above this are refused with 413 before parsing (a payload is at most 64 KiB canonical). */
export const BODY_LIMIT_BYTES = 256 * 1024;

export interface AppServices {
  appender: EventAppender;
  hsmMode: 'DEVELOPMENT' | 'PRODUCTION';
  pingDatabase: () => Promise<void>;
  /** The halt: routes, the guard whose view sets the halted headers, and the channel /v1/ready reports. */
  halt?: HaltRoutesOptions & { channel: HaltChannel; requireChannel: boolean };
  /** Prometheus registry served at GET /metrics; the HTTP request histogram is registered in it too. */
  metrics?: Registry;
  /** The observer API's reads (GET /v1/observer/…), registered when given. */
  observer?: ObserverRoutesOptions;
  /** Checkpoints and Merkle proofs (GET /v1/observer/checkpoints…, /v1/observer/proofs/…), registered when given. */
  proofs?: ProofRoutesOptions;
  /** The service's version (GET /v1/health). */
  version?: string;
  /** Governance health (GET /v1/health/constitutional) and this instance's pre-operational verification (/v1/ready). */
  governance?: GovernanceHealthOptions;
  /** The Conclave (POST/GET /v1/conclave/…), registered when given. */
  conclave?: ConclaveRoutesOptions;
  /** The observer console's built files (GET /, /console/…), registered when given. */
  console?: ConsoleRoutesOptions;
}

export interface AppOptions {
  /** Level of the logger Fastify creates when no `logger` is given (tests pass 'silent'). */
  logLevel?: string;
  /** The process's logger (createLogger in logger.ts), so startup and request lines share one stream. */
  logger?: FastifyBaseLogger;
  now?: () => number;
  /**
   * TRUSTED_PROXIES: peers whose X-Forwarded-For names the client (addresses, CIDR ranges, or proxy-addr's names).
   * Empty or absent: the TCP peer is the client, and the header is ignored.
   */
  trustProxy?: readonly string[];
  /** Rate limiting of /v1/observer/* (RATE_LIMIT_PER_MINUTE); absent: no limit (tests of other areas). */
  rateLimit?: RateLimitSettings;
}

/** Builds the HTTP application. Never calls listen(): main.ts does, tests use inject(). */
export function buildApp(services: AppServices, options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: { level: options.logLevel ?? 'info' } } : { loggerInstance: options.logger }),
    // Every log line of a request carries reqId: the caller's X-Request-ID when sane, else a fresh UUID.
    genReqId: requestIdFor,
    // URLs the router cannot decode, or with an over-long parameter, answer in our error shape too.
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
    // So do requests Node's HTTP parser refuses, before Fastify sees them.
    clientErrorHandler: answerClientError,
    bodyLimit: BODY_LIMIT_BYTES,
    // request.ip is the client the rate limit counts: the peer, or the address a trusted proxy forwarded.
    trustProxy: options.trustProxy !== undefined && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    // A request that arrives on a kept-alive connection while the server closes is served (the stack closes only
    // after the server) and answered with Connection: close (src/graceful-shutdown.ts), not with Fastify's own 503
    // body, which is not our error shape.
    return503OnClosing: false,
    // Refuse unknown members instead of silently dropping them (Fastify's default removeAdditional: true), and
    // wrong types instead of converting them (default coerceTypes: 'array'): a schema means what it says.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  // JSON only (Fastify's text/plain parser goes too: any other body answers 415 INPUT_UNSUPPORTED_MEDIA_TYPE).
  // Strict UTF-8: invalid bytes are refused, not replaced with U+FFFD (which would change what was signed).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBytes(body as Buffer, 'request body'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  installErrorHandler(app);
  installRequestIdHeader(app);
  // Before any route: these learn the routes from onRoute (404 vs 405, and the OpenAPI document).
  installRouteNotFound(app);
  registerOpenApi(app);
  if (services.metrics !== undefined) installHttpMetrics(app, services.metrics);
  if (options.rateLimit !== undefined) installRateLimit(app, options.rateLimit);
  const now = options.now ?? Date.now;
  const halt = services.halt;
  if (halt !== undefined) {
    // Every response says when the system is halted and since when; reads keep working, writes answer 503.
    app.addHook('onSend', async (_request, reply, payload) => {
      const status = halt.guard.current();
      if (status.kind === 'halted') {
        reply.header('x-archon72-halted', 'true');
        if (status.since !== undefined) reply.header('x-archon72-halted-since', status.since);
      }
      return payload;
    });
  }
  app.register(healthRoutes, {
    hsmMode: services.hsmMode,
    pingDatabase: services.pingDatabase,
    channel: halt === undefined ? undefined : { kind: halt.channel.kind, available: () => halt.channel.available },
    startedAt: now(),
    now,
    version: services.version ?? 'unknown',
    governance: services.governance,
  });
  app.register(eventRoutes, { appender: services.appender });
  if (halt !== undefined) app.register(haltRoutes, halt);
  if (services.metrics !== undefined) app.register(metricsRoutes, { registry: services.metrics });
  if (services.observer !== undefined) app.register(observerRoutes, services.observer);
  if (services.proofs !== undefined) app.register(proofRoutes, services.proofs);
  if (services.conclave !== undefined) app.register(conclaveRoutes, { ...services.conclave, prefix: CONCLAVE_PREFIX });
  if (services.console !== undefined) app.register(consoleRoutes, services.console);
  return app;
}
