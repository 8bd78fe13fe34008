import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installErrorHandler, sendError } from './errors.js';
import type { Cosigner } from '../app/cosigner/cosigner.js';
import { CosignerError, InputError, RouteError } from '../domain/errors.js';
import { formatTreeSizeBody } from '../domain/note/add-checkpoint-request.js';

/** Largest add-checkpoint body accepted: 63 proof lines and a checkpoint with 100 signature lines fit easily. */
const BODY_LIMIT = 64 * 1024;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The cosigner's HTTP service (`archon72 witness serve`): POST /add-checkpoint answers 200 with the cosignature
 * line (text/plain), 409 with the cosigned size (text/x.tlog.size) for a stale old size, and every other refusal
 * in the project's error shape with the status C2SP tlog-witness prescribes (src/api/errors.ts). Never calls
 * listen(): runCosigner (src/main.ts) does.
 */
export function buildWitnessApp(cosigner: Cosigner, logger: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({ loggerInstance: logger, bodyLimit: BODY_LIMIT, return503OnClosing: true });
  installErrorHandler(app);
  // The body is text in any (or no) media type: tlog-witness names none.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setNotFoundHandler((request, reply) => sendError(new RouteError({ code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` }), request, reply));
  app.post('/add-checkpoint', async (request, reply) => {
    const text = decodeBody(request.body);
    try {
      const line = await cosigner.addCheckpoint(text);
      return reply.type('text/plain; charset=utf-8').send(line);
    } catch (err) {
      if (err instanceof CosignerError && err.code === 'COSIGNER_OLD_SIZE_MISMATCH') {
        return reply.status(409).type('text/x.tlog.size').send(formatTreeSizeBody(err.details?.knownSize as number));
      }
      throw err;
    }
  });
  return app;
}

function decodeBody(body: unknown): string {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(0);
  try {
    return strictUtf8.decode(bytes);
  } catch (cause) {
    // Attacker-controlled bytes: refused as input, never a 500.
    throw new InputError({ code: 'INPUT_ADD_CHECKPOINT_MALFORMED', message: 'the request body is not valid UTF-8', details: { reason: 'not UTF-8' }, cause });
  }
}
