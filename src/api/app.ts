import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health/health-routes.js';
import { eventRoutes } from './routes/events/event-routes.js';
import { parseJsonBytes } from '../domain/encoding/parse-json.js';
import { haltRoutes, type HaltRoutesOptions } from './routes/halt/halt-routes.js';
import { metricsRoutes } from './routes/metrics/metrics-routes.js';
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
  /** Prometheus registry served at GET /metrics. */
  metrics?: Registry;
}

export interface AppOptions {
  logLevel: string;
  now?: () => number;
}

/** Builds the HTTP application. Never calls listen(): main.ts does, tests use inject(). */
export function buildApp(services: AppServices, options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: { level: options.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    // Refuse unknown members instead of silently dropping them (Fastify's default removeAdditional: true), and
    // wrong types instead of converting them (default coerceTypes: 'array'): a schema means what it says.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  // Strict UTF-8: invalid bytes are refused, not replaced with U+FFFD (which would change what was signed).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBytes(body as Buffer, 'request body'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  installErrorHandler(app);
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
    channel: halt === undefined ? undefined : { kind: halt.channel.kind, required: halt.requireChannel, available: () => halt.channel.available },
    startedAt: now(),
    now,
  });
  app.register(eventRoutes, { appender: services.appender });
  if (halt !== undefined) app.register(haltRoutes, halt);
  if (services.metrics !== undefined) app.register(metricsRoutes, { registry: services.metrics });
  return app;
}
