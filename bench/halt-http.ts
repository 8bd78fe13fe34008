import http from 'node:http';

/** One answer: status and body text. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** A keep-alive HTTP/1.1 client for one `archon72 serve` instance on 127.0.0.1. */
export interface InstanceClient {
  port: number;
  /** Sends one request; rejects only on a network error or after 60 s without an answer. */
  request(method: 'GET' | 'POST', path: string, body?: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  close(): void;
}

/**
 * Creates the client, with up to `maxSockets` connections kept open (one per concurrent writer, so no request waits
 * for a socket). node:http rather than fetch: it costs this process less CPU per request, and this process also
 * keeps the clock the propagation is measured with.
 */
export function createInstanceClient(port: number, maxSockets: number): InstanceClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    port,
    request(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const allHeaders = body === undefined ? headers : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers };
        const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: allHeaders }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.setTimeout(60_000, () => req.destroy(new Error(`no answer from port ${port} within 60 s`)));
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The error code of an error body (`{"error":{"code":…}}`), or undefined. */
export function errorCodeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
