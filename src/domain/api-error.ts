/**
 * An error answer of the Archon72 API as a client sees it (the CLI's commands that call the service, the observer
 * console): the HTTP status, and the stable code and message of the body's `{ "error": { "code", "message" } }`
 * (docs/errors.md).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The ApiError of a non-2xx answer with body `text`: the body's code and message when it is the API's error shape,
 * else `HTTP_<status>` and the body's first 200 characters (a proxy's page, say), so the caller always has a code.
 */
export function apiErrorOf(status: number, text: string): ApiError {
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  } catch {
    error = undefined; // not JSON: the text itself is the message
  }
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200);
  return new ApiError(status, code, message);
}
