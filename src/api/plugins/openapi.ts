import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Where the OpenAPI document and the interactive docs are served. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

/**
 * The OpenAPI 3.1 document, generated from the route schemas (GET /openapi.json), and Swagger UI at /docs with
 * its assets served from the package (no CDN; a Content-Security-Policy keeps the page to this origin). Register
 * it before the routes: @fastify/swagger collects them as they are added.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Archon72',
        version: '1',
        description: 'Append-only, hash-chained, signed, witnessed event log. Errors: { "error": { "code", "message", "details"?, "requestId" } } (docs/errors.md).',
      },
      tags: [
        { name: 'observer', description: 'Public reads of the log' },
      ],
    },
  });
  app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
  app.register(async (scope) => {
    scope.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  });
}
