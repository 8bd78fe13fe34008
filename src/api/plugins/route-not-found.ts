import type { FastifyInstance } from 'fastify';
import { RouteError } from '../../domain/errors.js';

/** A route's path template as a regular expression over the raw request path, with the methods it answers. */
interface RouteShape {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * find-my-way templates to patterns: a segment with a parameter (`:event_id`, also `:a-:b` or `:id(re)`) matches
 * any one segment, a trailing `*` anything; other characters match themselves. Only used to tell 404 from 405, so
 * a parameter's own regular expression is not needed.
 */
function toPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment.includes(':')) return '[^/]+';
      const literal = segment.replace(/\*$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return segment.endsWith('*') ? `${literal}.*` : literal;
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * 404 ROUTE_NOT_FOUND when no route answers the path; 405 ROUTE_METHOD_NOT_ALLOWED, with an Allow header, when
 * routes answer the path for other methods (RFC 9110 §15.5.6). Install it before any route is registered: it
 * learns the routes from the onRoute hook.
 */
export function installRouteNotFound(app: FastifyInstance): void {
  const shapes = new Map<string, RouteShape>();
  app.addHook('onRoute', (route) => {
    const shape = shapes.get(route.url) ?? { pattern: toPattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) shape.methods.add(method);
    shapes.set(route.url, shape);
  });
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = new Set<string>();
    for (const shape of shapes.values()) if (shape.pattern.test(path)) for (const method of shape.methods) allowed.add(method);
    // A path whose route exists for this method still lands here when the route itself finds nothing (a static
    // file that is not there): that is a 404, not a 405.
    if (allowed.size > 0 && !allowed.has(request.method)) {
      reply.header('allow', [...allowed].sort().join(', '));
      throw new RouteError({ code: 'ROUTE_METHOD_NOT_ALLOWED', message: `this path does not answer ${request.method}`, details: { allow: [...allowed].sort() } });
    }
    throw new RouteError({ code: 'ROUTE_NOT_FOUND', message: 'no route answers this path' });
  });
}
