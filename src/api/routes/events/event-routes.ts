import type { FastifyPluginAsync } from 'fastify';
import { parseSubmission } from '../../../domain/chain/validate-submission.js';
import { toEventJson } from '../../../domain/chain/event-json.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { storedEventSchema, submissionSchema } from '../../schemas/event.js';
import type { EventAppender } from '../../../app/event-appender.js';

export interface EventRoutesOptions {
  appender: EventAppender;
}

/**
 * POST /v1/events: an agent submits an event it signed itself (docs/PROTOCOL.md §3). The signature is the
 * authorisation: only a key registered to the agent and active now can get an event into the log.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, opts) => {
  app.post('/v1/events', {
    schema: {
      body: submissionSchema,
      response: { 201: storedEventSchema, 400: errorBodySchema, 409: errorBodySchema, 413: errorBodySchema, 422: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (request, reply) => {
      const stored = await opts.appender.append(parseSubmission(request.body));
      return reply.status(201).send(toEventJson(stored));
    },
  });
};
