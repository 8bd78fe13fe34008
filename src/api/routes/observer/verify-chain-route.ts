import type { FastifyInstance } from 'fastify';
import { verifyChain, type VerifyChainDeps } from '../../../app/verify-chain.js';
import { InputError } from '../../../domain/errors.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { chainReportSchema, MAX_VERIFY_RANGE, verifyChainQuerySchema, type VerifyChainQuery } from '../../schemas/observer-integrity.js';

/**
 * GET /v1/observer/verify-chain: the server recomputes hashes, links, both signatures and witness selection over
 * at most MAX_VERIFY_RANGE events (verifyChain, PROTOCOL.md §7.2) and reports the first fault. A convenience for
 * observers without a verifier; the real assurance is verifying an export offline. Rate-limited as expensive.
 */
export function registerVerifyChainRoute(app: FastifyInstance, deps: VerifyChainDeps): void {
  app.get('/v1/observer/verify-chain', {
    config: { expensive: true },
    schema: {
      tags: ['observer'],
      summary: 'Verify a range of the chain on the server',
      description: `Recomputes PROTOCOL.md §7.1 for each event of start..end (at most ${MAX_VERIFY_RANGE}); the event before start is the trusted anchor. Stops at the first fault.`,
      querystring: verifyChainQuerySchema,
      response: { 200: chainReportSchema, 400: errorBodySchema, 429: errorBodySchema, 500: errorBodySchema, 503: errorBodySchema },
    },
    handler: async (request) => {
      const query = request.query as VerifyChainQuery;
      // The schema's patterns allow at most 15 digits, so Number() is exact.
      const start = Number(query.start);
      const end = query.end === undefined ? start + MAX_VERIFY_RANGE - 1 : Number(query.end);
      if (end < start) throw rangeError('end must be ≥ start');
      if (end - start + 1 > MAX_VERIFY_RANGE) throw rangeError(`at most ${MAX_VERIFY_RANGE} events per request (end − start + 1)`);
      const report = await verifyChain(deps, { from: start, to: end });
      return {
        start,
        end,
        from: report.from,
        to: report.to,
        verified: report.verified,
        valid: report.fault === undefined,
        fault: report.fault === undefined ? null : { sequence: report.fault.sequence, code: report.fault.code, message: report.fault.message },
      };
    },
  });
}

function rangeError(message: string): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message, details: { location: 'querystring', field: 'end', max: MAX_VERIFY_RANGE } });
}
