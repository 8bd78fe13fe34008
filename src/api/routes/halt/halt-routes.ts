import type { FastifyPluginAsync } from 'fastify';
import { errorBodySchema } from '../../schemas/error-body.js';
import { requireAdminToken } from '../../admin-token.js';
import { parseKeeperStatement, parseSignedStatement } from '../../../domain/signing/keeper-statement.js';
import { haltSequenceOf } from '../../../domain/halt/halt-statements.js';
import { InputError } from '../../../domain/errors.js';
import type { HaltGuard } from '../../../app/halt-guard.js';
import type { HaltService } from '../../../app/halt-service.js';
import type { HaltRecord, HaltStateStore } from '../../../app/ports.js';

export interface HaltRoutesOptions {
  service: HaltService;
  guard: HaltGuard;
  state: HaltStateStore;
  /** SHA-256 of ADMIN_TOKEN; undefined disables POST /v1/admin/halt. */
  adminTokenSha256: Uint8Array | undefined;
}

const haltStateSchema = {
  type: 'object',
  required: ['halted', 'instance'],
  properties: {
    halted: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    source: { type: ['string', 'null'] },
    halted_by: { type: ['string', 'null'] },
    halted_at: { type: ['string', 'null'] },
    halt_sequence: { type: ['integer', 'null'] },
    halted_after_sequence: { type: ['integer', 'null'] },
    cleared_at: { type: ['string', 'null'] },
    ceremony_id: { type: ['string', 'null'] },
    instance: { type: 'string', description: 'This instance’s view: operational, halted, resuming (verifying after a clear) or unknown' },
  },
} as const;

const errors = { 400: errorBodySchema, 401: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema };

function toJson(record: HaltRecord, instance: string) {
  return {
    halted: record.halted,
    reason: record.reason ?? null,
    source: record.source ?? null,
    halted_by: record.haltedBy ?? null,
    halted_at: record.haltedAt ?? null,
    halt_sequence: record.haltedAt === undefined ? null : haltSequenceOf(record),
    halted_after_sequence: record.haltedAfterSequence ?? null,
    cleared_at: record.clearedAt ?? null,
    ceremony_id: record.ceremonyId ?? null,
    instance,
  };
}

/**
 * The halt (CT-11): GET /v1/halt (public), POST /v1/admin/halt (ADMIN_TOKEN, runbook §9.3), POST /v1/halt (a
 * keeper's signed halt.trigger statement) and POST /v1/halt/ceremony (a clear statement signed by the keeper quorum).
 */
export const haltRoutes: FastifyPluginAsync<HaltRoutesOptions> = async (app, opts) => {
  app.get('/v1/halt', {
    schema: { response: { 200: haltStateSchema, ...errors } },
    handler: async () => toJson(await opts.state.read(), opts.guard.current().kind),
  });

  app.post('/v1/admin/halt', {
    schema: {
      body: { type: 'object', properties: { reason: { type: 'string' } }, additionalProperties: false },
      response: { 200: haltStateSchema, ...errors },
    },
    // Before body validation: an unauthenticated caller learns nothing about what the body should be.
    preValidation: async (request) => requireAdminToken(request.headers.authorization, opts.adminTokenSha256),
    handler: async (request) => {
      const { reason } = (request.body ?? {}) as { reason?: string };
      const record = await opts.service.halt({ reason: reason ?? '', source: 'api', actor: 'admin' });
      return toJson(record, opts.guard.current().kind);
    },
  });

  app.post('/v1/halt', {
    schema: { body: { type: 'object' }, response: { 200: haltStateSchema, ...errors } },
    handler: async (request) => {
      const record = await opts.service.haltByKeeper(parseSignedStatement(request.body));
      return toJson(record, opts.guard.current().kind);
    },
  });

  app.post('/v1/halt/ceremony', {
    schema: {
      body: { type: 'object', required: ['statement', 'signatures'], properties: { statement: { type: 'object' }, signatures: { type: 'array', maxItems: 64 } }, additionalProperties: false },
      response: { 200: { type: 'object', properties: { cleared: { type: 'boolean' }, ceremony_id: { type: 'string' }, event_sequence: { type: 'integer' }, state: haltStateSchema } }, ...errors },
    },
    handler: async (request) => {
      const body = request.body as { statement: unknown; signatures: unknown[] };
      const statement = parseKeeperStatement(body.statement);
      const signatures = body.signatures.map((doc, i) => {
        try {
          return parseSignedStatement(doc);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          throw new InputError({ code: err.code, message: `signatures[${i}]: ${err.message}`, details: { ...err.details, index: i }, cause: err });
        }
      });
      const { record, event } = await opts.service.clear(statement, signatures);
      return { cleared: true, ceremony_id: record.ceremonyId, event_sequence: event.sequence, state: toJson(record, opts.guard.current().kind) };
    },
  });
};
