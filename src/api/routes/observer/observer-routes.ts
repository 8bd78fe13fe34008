import type { FastifyPluginAsync } from 'fastify';
import { toEventJson } from '../../../domain/chain/event-json.js';
import { EventError } from '../../../domain/errors.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { storedEventSchema } from '../../schemas/event.js';
import {
  eventIdParamsSchema,
  eventPageQuerySchema,
  eventPageSchema,
  MAX_EVENT_TYPES,
  sequenceParamsSchema,
  type EventPageQuery,
} from '../../schemas/observer.js';
import { toEventPageRequest } from './event-page-query.js';
import { registerEventStreamRoute, type EventStreamOptions } from './event-stream-route.js';
import { registerVerifyChainRoute } from './verify-chain-route.js';
import { registerKeysRoute, type KeysRouteDeps } from './keys-route.js';
import { registerExportRoutes, type ExportRoutesDeps } from './export-routes.js';
import { buildVerificationSpec } from './verification-spec.js';
import { verificationSpecSchema } from '../../schemas/observer-integrity.js';
import type { EventQuery } from '../../../app/ports.js';
import type { VerifyChainDeps } from '../../../app/verify-chain.js';
import type { StoredEvent } from '../../../domain/chain/event.types.js';

/** What the observer API reads. Each optional group registers its routes when given. */
export interface ObserverRoutesOptions {
  query: EventQuery;
  /** GET /v1/observer/events/stream. */
  stream?: EventStreamOptions;
  /** GET /v1/observer/verify-chain. */
  chain?: VerifyChainDeps;
  /** GET /v1/observer/keys. */
  keys?: KeysRouteDeps;
  /** GET /v1/observer/export and /export/manifest (the manifest needs SYSTEM:LOG's key in custody). */
  export?: ExportRoutesDeps;
}

const tags = ['observer'];
const errors = { 400: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema };

function found(event: StoredEvent | undefined, what: string) {
  if (event === undefined) throw new EventError({ code: 'EVENT_NOT_FOUND', message: `no event is stored with ${what}` });
  return toEventJson(event);
}

/**
 * The observer API's reads (no authentication: the log is public and anyone may verify it). Events are returned
 * in their protocol JSON (docs/PROTOCOL.md §2), exactly as stored, so an observer can check hashes and signatures.
 */
export const observerRoutes: FastifyPluginAsync<ObserverRoutesOptions> = async (app, opts) => {
  if (opts.stream !== undefined) registerEventStreamRoute(app, opts.stream);
  if (opts.chain !== undefined) registerVerifyChainRoute(app, opts.chain);
  if (opts.keys !== undefined) registerKeysRoute(app, opts.keys);
  if (opts.export !== undefined) registerExportRoutes(app, opts.export);
  const spec = buildVerificationSpec();
  app.get('/v1/observer/verification-spec', {
    schema: {
      tags,
      summary: 'Machine-readable summary of docs/PROTOCOL.md',
      description: 'Protocol version, algorithms and Ed25519 rules, encodings, domain-separation prefixes, hashed and signed members, witness selection, Merkle leaves, checkpoint, cosignature and export formats.',
      response: { 200: verificationSpecSchema, 500: errorBodySchema },
    },
    handler: async () => spec,
  });

  app.get('/v1/observer/events', {
    schema: {
      tags,
      summary: 'Page through the log in sequence order',
      description:
        'Events with sequence > after_sequence, ascending, optionally filtered. Follow `next.after_sequence` until `next` is null; ' +
        'paging by sequence never skips an event, however late it commits.',
      querystring: eventPageQuerySchema,
      response: { 200: eventPageSchema, ...errors },
    },
    handler: async (request) => {
      const page = toEventPageRequest(request.query as EventPageQuery, MAX_EVENT_TYPES);
      // One more than asked for tells whether another page exists without a second query.
      const rows = await opts.query.listEvents(page.afterSequence, page.limit + 1, page.filter);
      const events = rows.slice(0, page.limit);
      const last = events.at(-1);
      return { events: events.map(toEventJson), next: rows.length > page.limit && last !== undefined ? { after_sequence: last.sequence } : null };
    },
  });

  app.get('/v1/observer/events/:event_id', {
    schema: {
      tags,
      summary: 'One event by its event_id',
      params: eventIdParamsSchema,
      response: { 200: storedEventSchema, 404: errorBodySchema, ...errors },
    },
    handler: async (request) => {
      const { event_id: eventId } = request.params as { event_id: string };
      return found(await opts.query.eventById(eventId), `event_id ${eventId}`);
    },
  });

  app.get('/v1/observer/events/sequence/:sequence', {
    schema: {
      tags,
      summary: 'One event by its sequence number',
      params: sequenceParamsSchema,
      response: { 200: storedEventSchema, 404: errorBodySchema, ...errors },
    },
    handler: async (request) => {
      const sequence = Number((request.params as { sequence: string }).sequence);
      return found(await opts.query.eventBySequence(sequence), `sequence ${sequence}`);
    },
  });
};
