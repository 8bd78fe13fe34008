import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, InputError, type ErrorCode } from '../domain/errors.js';

/** The only mapping from error code to HTTP status. A new code without a status fails the type check. */
export const httpStatus: Record<ErrorCode, number> = {
  INPUT_FIELD_INVALID: 400,
  INPUT_INVALID_JSON: 400,
  INPUT_PAYLOAD_NOT_OBJECT: 400,
  INPUT_PAYLOAD_INVALID: 400,
  INPUT_PAYLOAD_TOO_LARGE: 413,
  // 422, not 400: the submission is well-formed and its signature may verify; it is refused for when it was
  // signed relative to this server's clock, a semantic rule like SIG_KEY_INACTIVE. Re-signing fixes it.
  INPUT_TIMESTAMP_OUTSIDE_WINDOW: 422,
  CHAIN_SEQUENCE_GAP: 500,
  CHAIN_PREV_HASH_MISMATCH: 500,
  CHAIN_CONTENT_HASH_MISMATCH: 500,
  CHAIN_TIMESTAMP_REGRESSION: 500,
  SIG_MALFORMED: 400,
  SIG_INVALID: 422,
  SIG_WITNESS_INVALID: 500,
  SIG_WITNESS_NOT_SELECTED: 500,
  SIG_KEY_UNKNOWN: 422,
  SIG_KEY_INACTIVE: 422,
  SIG_KEY_AGENT_MISMATCH: 422,
  STORE_UNAVAILABLE: 503,
  STORE_FAILED: 500,
  STORE_REJECTED: 422,
  STORE_CONFLICT: 409,
  STORE_SCHEMA_MISMATCH: 503,
  STORE_MIGRATION_FAILED: 500,
  STORE_MIGRATION_EDITED: 503,
  STORE_MIGRATIONS_PENDING: 503,
  CUSTODY_KEY_NOT_FOUND: 500,
  CUSTODY_KEY_FILE_INVALID: 500,
  CUSTODY_NOT_CONFIGURED: 503,
  SIG_DEVELOPMENT_KEY: 422,
  WITNESS_POOL_BELOW_FLOOR: 503,
  WITNESS_BOOTSTRAP_DISABLED: 409,
  WITNESS_BOOTSTRAP_REFUSED: 409,
  KEY_NOT_FOUND: 404,
  KEY_ALREADY_OPEN: 409,
  KEY_NOT_OPEN: 409,
  KEY_ALREADY_REVOKED: 409,
  KEY_REVOCATION_NEEDS_REPLACEMENT: 409,
  KEY_ID_INVALID: 400,
  CUSTODY_KEY_INVALID: 500,
  CUSTODY_PASSPHRASE_INCORRECT: 400,
  CUSTODY_HSM_NOT_CONFIGURED: 503,
  CUSTODY_HSM_LIBRARY_UNLOADABLE: 503,
  CUSTODY_HSM_TOKEN_NOT_FOUND: 503,
  CUSTODY_HSM_PIN_INCORRECT: 503,
  CUSTODY_HSM_MECHANISM_UNSUPPORTED: 503,
  CUSTODY_HSM_UNAVAILABLE: 503,
  CUSTODY_SIGN_FAILED: 503,
  WITNESS_POOL_EMPTY: 503,
  SYSTEM_HALTED: 503,
  HALT_STATE_UNKNOWN: 503,
  HALT_CHANNEL_UNAVAILABLE: 503,
  HALT_REASON_REQUIRED: 400,
  HALT_UNAUTHORIZED: 401,
  HALT_NOT_HALTED: 409,
  HALT_CEREMONY_INVALID: 422,
  HALT_CEREMONY_EXPIRED: 422,
  HALT_CEREMONY_REPLAYED: 409,
  HALT_RESUMING: 503,
  CONFIG_INVALID: 500,
  CONFIG_FORBIDDEN: 500,
  CONFIG_DEV_MODE_ENVIRONMENT_MISMATCH: 500,
  CONFIG_FLOOR_VIOLATION: 500,
  VERIFICATION_FAILED: 503,
  VERIFICATION_BYPASS_REFUSED: 500,
  // The HTTP surface's own refusals (Fastify's errors translated by toAppError below, and the 404/405 handler).
  INPUT_UNSUPPORTED_MEDIA_TYPE: 415,
  INPUT_URL_INVALID: 400,
  INPUT_REQUEST_MALFORMED: 400,
  ROUTE_NOT_FOUND: 404,
  ROUTE_METHOD_NOT_ALLOWED: 405,
  EVENT_NOT_FOUND: 404,
  INTERNAL: 500,
  // Limits every client shares (runbook FR48); both answers carry Retry-After.
  RATE_LIMITED: 429,
  STREAM_CAPACITY_REACHED: 503,
  // The Merkle tree and checkpoints (docs/PROTOCOL.md §15). A proof the server itself computed that fails to verify,
  // or a tree inconsistent with an earlier checkpoint, is an integrity fault (500: details go to the log).
  MERKLE_RANGE_INVALID: 400,
  MERKLE_CHECKPOINT_NOT_FOUND: 404,
  MERKLE_PROOF_INVALID: 500,
  MERKLE_TREE_INCONSISTENT: 500,
  // Signed notes, checkpoints and cosignatures (docs/PROTOCOL.md §16). The COSIGNER_* statuses are those C2SP
  // tlog-witness prescribes for add-checkpoint, so `archon72 witness serve` answers through this table too.
  INPUT_NOTE_MALFORMED: 400,
  INPUT_CHECKPOINT_MALFORMED: 400,
  INPUT_ADD_CHECKPOINT_MALFORMED: 400,
  SIG_NOTE_SIGNATURE_MISSING: 422,
  SIG_COSIGNATURE_QUORUM_NOT_MET: 422,
  COSIGNER_LOG_UNKNOWN: 404,
  COSIGNER_LOG_SIGNATURE_INVALID: 403,
  COSIGNER_OLD_SIZE_MISMATCH: 409,
  COSIGNER_ROOT_MISMATCH: 409,
  COSIGNER_CONSISTENCY_PROOF_INVALID: 422,
  COSIGNER_STATE_INVALID: 500,
  COSIGNER_STATE_LOCKED: 503,
  COSIGNER_STATE_WRITE_FAILED: 503,
  // The Conclave. A session whose events do not replay is an integrity fault (500: details go to the log).
  DELIBERATION_MOTION_INVALID: 400,
  DELIBERATION_ROSTER_INVALID: 500,
  DELIBERATION_SESSION_NOT_FOUND: 404,
  DELIBERATION_SESSION_FINISHED: 409,
  DELIBERATION_SESSION_BUSY: 409,
  DELIBERATION_SESSION_EXISTS: 409,
  DELIBERATION_AUTHORIZATION_INVALID: 400,
  DELIBERATION_AUTHORIZATION_EXPIRED: 422,
  DELIBERATION_SESSION_CORRUPT: 500,
  DELIBERATION_ARCHON_KEY_MISSING: 503,
  // A model provider's failure, when one reaches a caller rather than being recorded in the session.
  LLM_TIMEOUT: 504,
  LLM_UNREACHABLE: 502,
  LLM_RATE_LIMITED: 503,
  LLM_HTTP_ERROR: 502,
  LLM_BAD_RESPONSE: 502,
};

/** Response header naming the request; plugins/request-id.ts sets it on every response, sendError again on errors. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest caller-chosen text (a member or header name) echoed back in an error body. */
const ECHO_LIMIT = 128;

/** Fastify's own error codes, translated to ours so no FST_ERR_* code reaches a client. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'INPUT_PAYLOAD_TOO_LARGE', message: 'the request body is larger than this service accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'INPUT_UNSUPPORTED_MEDIA_TYPE', message: 'unsupported Content-Type: send application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INPUT_INVALID_JSON', message: 'the request body is empty but Content-Type says application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INPUT_INVALID_JSON', message: 'the request body is not valid JSON' },
  FST_ERR_BAD_URL: { code: 'INPUT_URL_INVALID', message: 'the URL path is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'INPUT_URL_INVALID', message: 'a path parameter is longer than this service accepts' },
  FST_ERR_INVALID_URL: { code: 'INPUT_URL_INVALID', message: 'the URL is not valid' },
};

function clip(text: string): string {
  return text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT)}…` : text;
}

/**
 * A schema-validation failure as INPUT_FIELD_INVALID: details.location is body, querystring, params or headers;
 * details.field the dotted path of the failing member (the missing or unknown member's name included);
 * details.rule the JSON Schema keyword that failed. allErrors is off (a DoS guard), so there is one failure.
 */
function toFieldError(err: FastifyError): InputError {
  const [first] = err.validation ?? [];
  const params = (first?.params ?? {}) as { missingProperty?: unknown; additionalProperty?: unknown };
  const named = params.missingProperty ?? params.additionalProperty;
  const segments = (first?.instancePath ?? '').split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (typeof named === 'string') segments.push(named);
  const field = segments.join('.');
  // Ajv's message for an unknown member does not name it; the caller needs the name to fix the request.
  const message = typeof params.additionalProperty === 'string' ? `${err.message}: '${clip(params.additionalProperty)}'` : err.message;
  return new InputError({
    code: 'INPUT_FIELD_INVALID',
    message,
    details: { location: err.validationContext, ...(field === '' ? {} : { field: clip(field) }), rule: first?.keyword },
    cause: err,
  });
}

/**
 * Any thrown value as an AppError: ours as they are; Fastify's 4xx (validation, body limit, media type, bad URL)
 * as the code of FASTIFY_CODES, else INPUT_REQUEST_MALFORMED; anything else as INTERNAL, keeping it as the cause.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fastifyError = err as Partial<FastifyError> | undefined;
  if (fastifyError?.validation !== undefined) return toFieldError(err as FastifyError);
  const known = typeof fastifyError?.code === 'string' ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known !== undefined) return new AppError({ ...known, cause: err });
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError({ code: 'INPUT_REQUEST_MALFORMED', message: typeof fastifyError.message === 'string' ? clip(fastifyError.message) : 'malformed request', cause: err });
  }
  return new AppError({ code: 'INTERNAL', message: 'Internal error', cause: err });
}

/**
 * Sends the one error body, { error: { code, message, details?, requestId } }, with the status of httpStatus and
 * the X-Request-ID header. 4xx and 503 bodies carry the error's message and details; any other 5xx says
 * "Internal error" without details, and the error is logged (with its cause) under the request id.
 */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = toAppError(err);
  const status = httpStatus[error.code];
  if (status >= 500) request.log.error({ err: error.code === 'INTERNAL' ? err : error, code: error.code }, error.message);
  const exposed = status < 500 || status === 503;
  return reply
    .status(status)
    .header(REQUEST_ID_HEADER, request.id)
    .send({
      error: {
        code: error.code,
        message: exposed ? error.message : 'Internal error',
        ...(exposed && error.details ? { details: error.details } : {}),
        requestId: request.id,
      },
    });
}

/** Routes every error, ours and Fastify's, through sendError. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
}

/**
 * Fastify's clientErrorHandler: a request Node's HTTP parser refused (bad request line, a NUL in the path, headers
 * too large) never reaches a route or hook, so it is answered here, on the socket, in the same error shape with a
 * fresh request id, then the connection is closed. A reset connection gets nothing.
 */
export function answerClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const message =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'the request did not arrive in time' : err.code === 'HPE_HEADER_OVERFLOW' ? 'the request headers are too large' : 'the HTTP request could not be parsed';
  const body = JSON.stringify({ error: { code: 'INPUT_REQUEST_MALFORMED', message, requestId } });
  this.log.debug({ err, reqId: requestId }, 'client error');
  if (socket.writable) {
    const status = httpStatus.INPUT_REQUEST_MALFORMED;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
