import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health/health-routes.js';
import { eventRoutes } from './routes/events/event-routes.js';
import { parseJsonBytes } from '../domain/encoding/parse-json.js';
import type { EventAppender } from '../app/event-appender.js';

/** Request bodies above this are refused with 413 before parsing (a payload is at most 64 KiB canonical). */
export const BODY_LIMIT_BYTES = 256 * 1024;

export interface AppServices {
  appender: EventAppender;
  hsmMode: 'DEVELOPMENT' | 'PRODUCTION';
  pingDatabase: () => Promise<void>;
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
  app.register(healthRoutes, { hsmMode: services.hsmMode, pingDatabase: services.pingDatabase, startedAt: now(), now });
  app.register(eventRoutes, { appender: services.appender });
  return app;
}
