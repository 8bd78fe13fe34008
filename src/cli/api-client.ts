import type { Config } from '../app/config.js';

/** An error the service answered with, carried to the CLI's one-line report. */
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
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
  throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? text.slice(0, 200));
}
