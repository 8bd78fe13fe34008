import type { FastifyPluginAsync } from 'fastify';
import { errorBodySchema } from '../../schemas/error-body.js';

export interface HealthRoutesOptions {
  /** DEVELOPMENT (software keys) or PRODUCTION (HSM): runbook §6.4 checks this. */
  hsmMode: 'DEVELOPMENT' | 'PRODUCTION';
  /** Resolves when the database answers; rejects otherwise. */
  pingDatabase: () => Promise<void>;
  startedAt: number;
  now: () => number;
}

/** GET /v1/health (liveness, always 200) and GET /v1/ready (200 only when the database answers). */
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
        200: { type: 'object', required: ['status', 'database'], properties: { status: { type: 'string' }, database: { type: 'string' } } },
        503: { type: 'object', required: ['status', 'database'], properties: { status: { type: 'string' }, database: { type: 'string' } } },
        500: errorBodySchema,
      },
    },
    handler: async (request, reply) => {
      try {
        await opts.pingDatabase();
        return { status: 'ready', database: 'connected' };
      } catch (err) {
        request.log.warn({ err }, 'readiness: database unreachable');
        return reply.status(503).send({ status: 'not_ready', database: 'unreachable' });
      }
    },
  });
};
