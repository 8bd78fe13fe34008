import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from '../errors.js';

/**
 * A caller's X-Request-ID is kept only when it is a short token. The header is attacker-controlled: anything else
 * (spaces, quotes, newlines, a value Node joined from duplicate headers) could forge or break log lines.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's genReqId: the caller's X-Request-ID when it is a sane token, else a fresh UUID. */
export function requestIdFor(raw: IncomingMessage): string {
  const given = raw.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Echoes the request id in X-Request-ID on every response that passes through Fastify's hooks (the error path
 * sets it again in sendError, which also covers the URL errors answered before any hook runs).
 */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}
