import { METHODS } from 'node:http';
import { Histogram, type Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/** Name of the request-duration histogram (seconds). */
export const HTTP_DURATION_METRIC = 'archon72_http_request_duration_seconds';
/** `route` label of requests no route answered: never the raw URL, which the caller chooses. */
export const UNMATCHED_ROUTE = 'unmatched';

const KNOWN_METHODS = new Set(METHODS);
/** Reads answer in about a millisecond, so the buckets start below prom-client's default 5 ms. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = 'method' | 'route' | 'status_code';

/**
 * Observes every response's duration in `registry`'s histogram archon72_http_request_duration_seconds, labelled
 * method, route (the route template, e.g. /v1/observer/events/:event_id, or `unmatched`) and status_code. Every
 * label has a bounded set of values whatever callers send. Install it on the root instance, before the routes.
 * Reuses the histogram when the registry already holds it (several apps on one registry, as in tests).
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const histogram =
    (registry.getSingleMetric(HTTP_DURATION_METRIC) as Histogram<Labels> | undefined) ??
    new Histogram<Labels>({
      name: HTTP_DURATION_METRIC,
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: BUCKETS,
      registers: [registry],
    });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? undefined : request.routeOptions.url;
    histogram.observe(
      { method: KNOWN_METHODS.has(request.method) ? request.method : 'OTHER', route: route ?? UNMATCHED_ROUTE, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
