import { parseTreeSizeBody } from '../../domain/note/add-checkpoint-request.js';
import { readBounded } from '../http/read-bounded.js';
import type { AddCheckpointResult, CosignerClient } from '../../app/ports.js';

/** Longest answer read from a cosigner: a few signature lines, or an error body. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The log's side of C2SP tlog-witness over HTTP (fetch, keep-alive). A cosigner is an outside party: its answers
 * are attacker-controlled, so they are bounded in size and only classified here; the caller verifies any
 * cosignature before storing it. Never throws.
 */
export function createHttpCosignerClient(): CosignerClient {
  return {
    async addCheckpoint(url, body, timeoutMs) {
      let response: Response;
      try {
        response = await fetch(`${url}/add-checkpoint`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
        const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `unreachable (${cause ?? (err as Error).message})`;
        return { kind: 'failed', reason };
      }
      let text: string;
      try {
        text = await readBounded(response, MAX_RESPONSE_BYTES);
      } catch (err) {
        return { kind: 'failed', reason: `the answer could not be read: ${(err as Error).message}`, status: response.status };
      }
      return classify(response, text);
    },
  };
}

function classify(response: Response, text: string): AddCheckpointResult {
  const type = response.headers.get('content-type') ?? '';
  if (response.status === 200) return { kind: 'cosigned', lines: text };
  if (response.status === 409 && type.split(';')[0]?.trim() === 'text/x.tlog.size') {
    try {
      return { kind: 'conflict', knownSize: parseTreeSizeBody(text) };
    } catch {
      return { kind: 'failed', reason: 'a 409 whose text/x.tlog.size body is not a tree size', status: 409 };
    }
  }
  const code = errorCodeOf(text);
  return { kind: 'failed', reason: `HTTP ${response.status}${code === undefined ? '' : ` ${code}`}`, status: response.status, ...(code === undefined ? {} : { code }) };
}

/** The `error.code` of our error body, when the answer is one (another implementation's body is just text). */
function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

