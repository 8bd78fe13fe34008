import type { FastifyPluginAsync } from 'fastify';
import { parseSubmission } from '../../../domain/chain/validate-submission.js';
import { toEventJson } from '../../../domain/chain/event-json.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { batchSubmissionSchema, storedEventSchema, storedEventsSchema, submissionSchema } from '../../schemas/event.js';
import { withBatchIndex, type EventAppender } from '../../../app/event-appender.js';
import { batchValidationError } from './batch-validation-error.js';

export interface EventRoutesOptions {
  appender: EventAppender;
}

const errorResponses = { 400: errorBodySchema, 409: errorBodySchema, 413: errorBodySchema, 422: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema };

/**
 * POST /v1/events: an agent submits an event it signed itself (docs/PROTOCOL.md §3). The signature is the
 * authorisation: only a key registered to the agent and active now can get an event into the log; the submission
 * window keeps a captured request from being replayed later.
 * POST /v1/events/batch: `{"events": [...]}`, stored all together at consecutive sequences or not at all; a
 * refusal names the offending submission in `details.index`.
 */
export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, opts) => {
  app.post('/v1/events', {
    schema: { body: submissionSchema, response: { 201: storedEventSchema, ...errorResponses } },
    handler: async (request, reply) => {
      const stored = await opts.appender.submit(parseSubmission(request.body));
      return reply.status(201).send(toEventJson(stored));
    },
  });

  app.post('/v1/events/batch', {
    schema: { body: batchSubmissionSchema, response: { 201: storedEventsSchema, ...errorResponses } },
    schemaErrorFormatter: batchValidationError,
    handler: async (request, reply) => {
      // The schema has checked the shape; parseSubmission checks each submission's fields, naming its index.
      const items = (request.body as { events: unknown[] }).events;
      const submissions = items.map((item, index) => {
        try {
          return parseSubmission(item);
        } catch (err) {
          throw withBatchIndex(err, index);
        }
      });
      const stored = await opts.appender.submitAll(submissions);
      return reply.status(201).send({ events: stored.map(toEventJson) });
    },
  });
};
