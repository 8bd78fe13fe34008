import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites the JSON body of a GET whose path matches; everything else passes through unchanged. */
export interface Tampering {
  path: RegExp;
  rewrite(body: Record<string, unknown>): Record<string, unknown>;
}

export interface TamperingProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A test double of the API: forwards every request to `upstream` and serves its answers, except that the JSON of
 * the matching paths is rewritten (an operator serving a doctored event). Streams (SSE) are piped through as they come.
 */
export async function startTamperingProxy(upstream: string, tamperings: readonly Tampering[]): Promise<TamperingProxy> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', upstream);
      const answer = await fetch(url, { method: request.method, headers: { accept: request.headers.accept ?? '*/*' } });
      const tampering = tamperings.find((t) => t.path.test(url.pathname));
      const headers: Record<string, string> = {};
      for (const [name, value] of answer.headers) if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) headers[name] = value;
      if (tampering !== undefined && answer.ok) {
        const body = JSON.stringify(tampering.rewrite((await answer.json()) as Record<string, unknown>));
        response.writeHead(answer.status, { ...headers, 'content-length': Buffer.byteLength(body) }).end(body);
        return;
      }
      response.writeHead(answer.status, headers);
      if (answer.body === null) return response.end();
      const reader = answer.body.getReader();
      request.on('close', () => void reader.cancel().catch(() => undefined));
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        response.write(value);
      }
      response.end();
    })().catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
