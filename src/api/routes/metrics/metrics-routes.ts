import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** GET /metrics: Prometheus text exposition of this process's registry (runbook §6.3, §12.3). */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, opts) => {
  app.get('/metrics', async (_request, reply) => reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics()));
};
