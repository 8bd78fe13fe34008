import type { FastifyPluginAsync } from 'fastify';
import type { StaticAsset } from '../../../app/ports.js';

export interface ConsoleRoutesOptions {
  assets: readonly StaticAsset[];
}

/**
 * The page may load only its own script and style sheet and talk only to this origin: no inline script, no CDN,
 * no framing. Event payloads are shown as text (never as HTML), so this is a second wall, not the first.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The observer console (GET /, /console/app.js, /console/app.css): prebuilt static files, revalidated on every
 * load (no-cache with a strong ETag), so an upgraded server never runs a page against an API it does not match.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  for (const asset of opts.assets) {
    app.get(asset.path, { schema: { tags: ['console'], summary: `Observer console: ${asset.path === '/' ? 'the page' : asset.path}` } }, async (request, reply) => {
      reply.header('etag', asset.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      if (asset.path === '/') reply.header('content-security-policy', CONSOLE_CSP);
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.type(asset.contentType).send(Buffer.from(asset.body.buffer, asset.body.byteOffset, asset.body.byteLength));
    });
  }
};
