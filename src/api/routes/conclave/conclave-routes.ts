import type { FastifyPluginAsync } from 'fastify';
import { errorBodySchema } from '../../schemas/error-body.js';
import { requireAdminToken } from '../../admin-token.js';
import { parseMotion } from '../../../domain/deliberation/motion.js';
import { LimitError } from '../../../domain/errors.js';
import { sessionResults } from '../../../domain/deliberation/results.js';
import { sessionTranscript } from '../../../domain/deliberation/transcript.js';
import {
  rosterSchema,
  sessionAcceptedSchema,
  sessionParamsSchema,
  sessionResultsSchema,
  sessionOpenBodySchema,
  sessionStatusSchema,
  type SessionStartBody,
} from '../../schemas/conclave.js';
import { toRosterJson, toSessionStatus } from './session-views.js';
import type { ConclaveService, SessionStart } from '../../../app/conclave/conclave-service.js';
import { parseSignedStatement } from '../../../domain/signing/keeper-statement.js';

/** Where the plugin is registered (app.ts). */
export const CONCLAVE_PREFIX = '/v1/conclave';

/** What the Conclave routes use: the service running sessions, and the admin token that authorises opening one. */
export interface ConclaveRoutesOptions {
  service: ConclaveService;
  /** SHA-256 of ADMIN_TOKEN (the halt routes' token); undefined refuses every POST /v1/conclave/sessions (401). */
  adminTokenSha256: Uint8Array | undefined;
}

const tags = ['conclave'];
/** What a caller refused for the running-sessions limit is asked to wait: sessions take minutes. */
const RETRY_AFTER_SECONDS = 60;
const errors = { 400: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema };
const readErrors = { ...errors, 404: errorBodySchema };

/** A body that is a signed statement document (it has `statement`): a keeper's opening, not the administrator's. */
function isSignedStatementBody(body: unknown): boolean {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && 'statement' in body;
}

/** The administrator's body as the service's SessionStart (parseMotion checks the motion's content). */
function adminStart(body: SessionStartBody): SessionStart {
  const { rounds, seed, validate_votes: validateVotes, ...motion } = body;
  return {
    motion: parseMotion(motion),
    ...(rounds === undefined ? {} : { rounds }),
    ...(seed === undefined ? {} : { seed }),
    ...(validateVotes === undefined ? {} : { validateVotes }),
  };
}

/**
 * The Conclave (registered under CONCLAVE_PREFIX): opening a session is an administrative act (ADMIN_TOKEN, as
 * POST /v1/admin/halt) or a keeper's signed one (a conclave.session.open statement); reading sessions and the
 * roster is public, like the log they are rebuilt from. A session's events themselves are served by the observer
 * API (GET /v1/observer/events[/stream]?session_id=).
 */
export const conclaveRoutes: FastifyPluginAsync<ConclaveRoutesOptions> = async (app, opts) => {
  const { service } = opts;
  const roster = toRosterJson(service.roster);

  app.post('/sessions', {
    schema: {
      tags,
      summary: 'Open a Conclave session on a motion (Authorization: Bearer ADMIN_TOKEN, or a keeper’s signed conclave.session.open statement)',
      description:
        'Checks the motion, writes the session_opened event and answers 202; the session runs on in the server to adjournment. ' +
        'The administrator sends the motion and options with the admin token; a keeper sends, without a token, the signed statement ' +
        'document `archon72 keeper sign` makes of a conclave.session.open statement, which session_opened records. ' +
        'Follow it at status_url, or its events on GET /v1/observer/events/stream?session_id=. 503 SYSTEM_HALTED while halted; ' +
        '429 RATE_LIMITED while this instance runs as many sessions as it may.',
      body: sessionOpenBodySchema,
      response: { 202: sessionAcceptedSchema, 401: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema, 429: errorBodySchema, ...errors },
    },
    // Before body validation: an unauthenticated caller learns nothing about what the body should be. A signed
    // statement is its own authority; its signature is checked against the keeper keys before anything is written.
    preValidation: async (request) => {
      if (!isSignedStatementBody(request.body)) requireAdminToken(request.headers.authorization, opts.adminTokenSha256);
    },
    handler: async (request, reply) => {
      let sessionId: string;
      try {
        sessionId = isSignedStatementBody(request.body)
          ? await service.startByKeeper(parseSignedStatement(request.body))
          : await service.start(adminStart(request.body as SessionStartBody));
      } catch (err) {
        // Every RATE_LIMITED answer carries Retry-After (docs/errors.md).
        if (err instanceof LimitError) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
        throw err;
      }
      const statusUrl = `${CONCLAVE_PREFIX}/sessions/${sessionId}`;
      return reply.status(202).header('location', statusUrl).send({ session_id: sessionId, status_url: statusUrl });
    },
  });

  app.get('/sessions/:session_id', {
    schema: {
      tags,
      summary: 'Where a session stands: status, present, speeches, stances, tally and result',
      params: sessionParamsSchema,
      response: { 200: sessionStatusSchema, ...readErrors },
    },
    handler: async (request) => {
      const { session_id: sessionId } = request.params as { session_id: string };
      return toSessionStatus(await service.events(sessionId), service.isRunning(sessionId));
    },
  });

  app.get('/sessions/:session_id/transcript', {
    schema: {
      tags,
      summary: 'The session’s Markdown transcript, rebuilt from its events',
      params: sessionParamsSchema,
      response: { 200: { content: { 'text/markdown': { schema: { type: 'string', description: 'The transcript so far.' } } } }, ...readErrors },
    },
    handler: async (request, reply) => {
      const { session_id: sessionId } = request.params as { session_id: string };
      const events = await service.events(sessionId);
      const names = service.roster;
      return reply.type('text/markdown; charset=utf-8').send(sessionTranscript(events, (id) => names.byId(id)?.name ?? id));
    },
  });

  app.get('/sessions/:session_id/results', {
    schema: {
      tags,
      summary: 'The session’s results as JSON, rebuilt from its events (as `archon72 conclave results` prints them)',
      params: sessionParamsSchema,
      response: { 200: sessionResultsSchema, ...readErrors },
    },
    handler: async (request) => {
      const { session_id: sessionId } = request.params as { session_id: string };
      return sessionResults(await service.events(sessionId));
    },
  });

  app.get('/roster', {
    schema: { tags, summary: 'The 72 archons in speaking order, with their personas', response: { 200: rosterSchema, 500: errorBodySchema } },
    handler: async () => roster,
  });
};
