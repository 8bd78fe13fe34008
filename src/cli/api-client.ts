import { ApiError, apiErrorOf } from '../domain/api-error.js';
import type { Config } from '../app/config.js';

export { ApiError } from '../domain/api-error.js';

/** The service's base URL: ARCHON72_API_URL, else this machine's API_PORT on 127.0.0.1. */
export function apiBaseUrl(config: Config, env: Record<string, string | undefined>): string {
  const explicit = env.ARCHON72_API_URL?.trim();
  if (explicit) return explicit.replace(/\/+$/, '');
  const host = config.apiHost === '0.0.0.0' || config.apiHost === '::' ? '127.0.0.1' : config.apiHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.apiPort}`;
}

/**
 * Calls the running service. Resolves with the JSON body of a 2xx answer; throws ApiError with the service's error
 * code and message otherwise (code API_UNREACHABLE, status 0, when nothing answers).
 */
export async function callApi<T>(base: string, method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new ApiError(0, 'API_UNREACHABLE', `the service at ${base} does not answer (${(err as Error).message}); start it, or set ARCHON72_API_URL`);
  }
  const text = await response.text();
  if (!response.ok) throw apiErrorOf(response.status, text);
  try {
    return (text === '' ? undefined : JSON.parse(text)) as T;
  } catch {
    return undefined as T;
  }
}
