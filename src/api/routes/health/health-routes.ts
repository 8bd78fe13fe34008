import type { FastifyPluginAsync } from 'fastify';
import { errorBodySchema } from '../../schemas/error-body.js';

export interface HealthRoutesOptions {
  /** DEVELOPMENT (software keys) or PRODUCTION (HSM): runbook §6.4 checks this. */
  hsmMode: 'DEVELOPMENT' | 'PRODUCTION';
  /** Resolves when the database answers; rejects otherwise. */
  pingDatabase: () => Promise<void>;
  /** The halt channel: /v1/ready names it, and fails while a required one is unreachable (runbook §11.1). */
  channel: { kind: 'redis' | 'in-process'; required: boolean; available: () => boolean } | undefined;
  startedAt: number;
  now: () => number;
}

const readySchema = {
  type: 'object',
  required: ['status', 'database'],
  properties: { status: { type: 'string' }, database: { type: 'string' }, redis: { type: 'string' } },
} as const;

/**
 * GET /v1/health (liveness, always 200) and GET /v1/ready (200 only when the database answers and, where the halt
 * channel is Redis and required, Redis answers too).
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, opts) => {
  app.get('/v1/health', {
    schema: {
      response: {
        200: {
          type: 'object',
          required: ['status', 'uptime_seconds', 'hsm_mode'],
          properties: { status: { type: 'string' }, uptime_seconds: { type: 'number' }, hsm_mode: { type: 'string' } },
        },
      },
    },
    handler: async () => ({ status: 'ok', uptime_seconds: Math.floor((opts.now() - opts.startedAt) / 1000), hsm_mode: opts.hsmMode }),
  });

  app.get('/v1/ready', {
    schema: {
      response: {
        200: readySchema,
        503: readySchema,
        500: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      let database = 'connected';
      try {
        await opts.pingDatabase();
      } catch (err) {
        request.log.warn({ err }, 'readiness: database unreachable');
        database = 'unreachable';
      }
      const channel = opts.channel;
      const redis = channel === undefined || channel.kind !== 'redis' ? undefined : channel.available() ? 'connected' : 'unreachable';
      const ready = database === 'connected' && !(channel?.required === true && redis === 'unreachable');
      const body = { status: ready ? 'ready' : 'not_ready', database, ...(redis === undefined ? {} : { redis }) };
      return ready ? body : reply.status(503).send(body);
    },
  });
};
