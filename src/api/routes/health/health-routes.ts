import type { FastifyPluginAsync } from 'fastify';
import { errorBodySchema } from '../../schemas/error-body.js';
import { constitutionalHealthSchema, healthSchema, readySchema } from './health-schemas.js';
import type { ConstitutionalHealthReport } from '../../../app/constitutional-health.js';

export interface GovernanceHealthOptions {
  /** This instance's pre-operational verification outcome: the server listens only once it passed or was bypassed. */
  verification: 'passed' | 'bypassed';
  /** Reads the governance state for GET /v1/health/constitutional. */
  constitutional: () => Promise<ConstitutionalHealthReport>;
}

export interface HealthRoutesOptions {
  /** DEVELOPMENT (software keys) or PRODUCTION (HSM): runbook §6.4 checks this. */
  hsmMode: 'DEVELOPMENT' | 'PRODUCTION';
  /** Resolves when the database answers; rejects otherwise. */
  pingDatabase: () => Promise<void>;
  /** The halt channel: Redis when configured (then required for readiness), else the in-process one ("embedded"). */
  channel: { kind: 'redis' | 'in-process'; available: () => boolean } | undefined;
  startedAt: number;
  now: () => number;
  version: string;
  governance: GovernanceHealthOptions | undefined;
}

/** How long readiness waits for the database before calling it unreachable (Kubernetes probes time out at 3 s). */
const DATABASE_PING_TIMEOUT_MS = 2000;

/**
 * GET /v1/health (liveness: 200 while the process runs), GET /v1/ready (200 only when the database and Redis answer
 * and pre-operational verification let this instance start; 503 naming what is wrong) and
 * GET /v1/health/constitutional (governance health, always 200 with healthy | warning | unhealthy).
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, opts) => {
  app.get('/v1/health', {
    schema: { summary: 'Liveness', tags: ['health'], response: { 200: healthSchema } },
    handler: async () => ({
      status: 'ok',
      uptime_seconds: Math.floor((opts.now() - opts.startedAt) / 1000),
      hsm_mode: opts.hsmMode,
      version: opts.version,
    }),
  });

  app.get('/v1/ready', {
    schema: { summary: 'Readiness', tags: ['health'], response: { 200: readySchema, 503: readySchema, 500: errorBodySchema } },
    handler: async (request, reply) => {
      let database = 'connected';
      try {
        await withTimeout(opts.pingDatabase(), DATABASE_PING_TIMEOUT_MS);
      } catch (err) {
        request.log.warn({ err }, 'readiness: database unreachable');
        database = 'unreachable';
      }
      const channel = opts.channel;
      const redis = channel === undefined || channel.kind !== 'redis' ? 'embedded' : channel.available() ? 'connected' : 'unreachable';
      const verification = opts.governance?.verification ?? 'not_run';
      const ready = database === 'connected' && redis !== 'unreachable' && (verification === 'passed' || verification === 'bypassed');
      const body = { status: ready ? 'ready' : 'not_ready', database, redis, verification };
      return reply.status(ready ? 200 : 503).send(body);
    },
  });

  const governance = opts.governance;
  if (governance !== undefined) {
    app.get('/v1/health/constitutional', {
      schema: { summary: 'Governance health', tags: ['health'], response: { 200: constitutionalHealthSchema, 503: errorBodySchema } },
      handler: async () => governance.constitutional(),
    });
  }
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
