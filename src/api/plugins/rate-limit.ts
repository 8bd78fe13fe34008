import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { LimitError } from '../../domain/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route costs far more than a read (a range recomputed, streamed or hashed): it gets the smaller budget. */
    expensive?: boolean;
  }
}

/** Paths the limit applies to: the public, unauthenticated observer API. */
export const RATE_LIMITED_PREFIX = '/v1/observer/';
/** An expensive route allows this fraction of the per-minute budget (at least one request). */
export const EXPENSIVE_ROUTE_DIVISOR = 60;
/** Client addresses the limiter remembers (least recently seen forgotten first); about 100 bytes each. */
const TRACKED_CLIENTS = 100_000;

export interface RateLimitSettings {
  /** Requests one client address may make to /v1/observer/* per window (RATE_LIMIT_PER_MINUTE). */
  max: number;
  /** The window, one minute unless a test shortens it. */
  timeWindowMs?: number;
}

/**
 * Rate limiting of the observer API (runbook FR48): one budget per client address, the same for every client, in
 * memory per instance. The address is request.ip: the TCP peer, or, for a peer listed in TRUSTED_PROXIES (Fastify's
 * trustProxy), the nearest untrusted address of X-Forwarded-For, so a client cannot pick its own key by sending the
 * header. IPv6 clients are keyed by their /64, which one host can fill with addresses. Routes marked
 * `config: { expensive: true }` get their own, smaller budget (max / EXPENSIVE_ROUTE_DIVISOR). Over the limit:
 * 429 RATE_LIMITED with Retry-After, in the error shape.
 *
 * Everything outside /v1/observer/ is left alone: Kubernetes probes (/v1/health, /v1/ready) and Prometheus
 * scrapes (/metrics) come from a few node addresses at a fixed rate and must never be refused, or a healthy pod
 * would be restarted; the write and halt APIs are authenticated by signatures and tokens. Install before any route.
 */
export function installRateLimit(app: FastifyInstance, settings: RateLimitSettings): void {
  // Added now, so it runs before the plugin's own onRoute hook (added when the plugin loads) and decides per route.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(RATE_LIMITED_PREFIX)) {
      route.config = { ...route.config, rateLimit: false };
    } else if (route.config?.expensive === true) {
      route.config = { ...route.config, rateLimit: { max: Math.max(1, Math.floor(settings.max / EXPENSIVE_ROUTE_DIVISOR)) } };
    }
  });
  app.register(rateLimit, {
    global: true,
    max: settings.max,
    timeWindow: settings.timeWindowMs ?? 60_000,
    cache: TRACKED_CLIENTS,
    errorResponseBuilder: (_request, context) =>
      new LimitError({
        code: 'RATE_LIMITED',
        message: `rate limit exceeded: at most ${context.max} requests per window from one client address; retry in ${context.after}`,
        details: { limit: 'requests', max: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      }),
  });
}
