import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat-completions request as the fake provider read it. */
export interface ChatRequest {
  /** The body's `model`. */
  model: string;
  /** The system message (the archon's persona in Conclave prompts). */
  system: string;
  /** The user message (the act's prompt). */
  prompt: string;
}

/** What the fake provider answers: a reply's text (wrapped as a chat completion), or a raw HTTP answer. */
export type ChatAnswer = { text: string } | { status: number; body: string; headers?: Record<string, string> };

/** A running fake provider; `baseUrl` is what OPENAI_BASE_URL takes. */
export interface ChatCompletionsServer {
  baseUrl: string;
  /** Every request answered so far, in arrival order, with the HTTP status it got. */
  requests: Array<ChatRequest & { status: number }>;
  close(): Promise<void>;
}

/**
 * Starts an OpenAI-compatible `POST /v1/chat/completions` endpoint on 127.0.0.1 (a random port) whose answers
 * `answer` scripts per request. A `{ text }` answer becomes `{"model","choices":[{"message":{"role","content"}}]}`.
 * Anything else (another path, a body that is not a chat request) gets 404 or 400. For tests that drive the
 * openai provider of a child process: run that child asynchronously, since this server lives in the test's
 * event loop.
 */
export async function startChatCompletionsServer(answer: (request: ChatRequest) => ChatAnswer): Promise<ChatCompletionsServer> {
  const requests: ChatCompletionsServer['requests'] = [];
  const server = createServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(res, 404, '{"error":{"message":"not found"}}');
    let body: { model?: unknown; messages?: Array<{ role?: unknown; content?: unknown }> };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return send(res, 400, '{"error":{"message":"body is not JSON"}}');
    }
    const content = (role: string) => String(body.messages?.find((m) => m.role === role)?.content ?? '');
    const request: ChatRequest = { model: String(body.model), system: content('system'), prompt: content('user') };
    const reply = answer(request);
    if ('text' in reply) {
      requests.push({ ...request, status: 200 });
      return send(res, 200, JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion', model: request.model, choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' }] }));
    }
    requests.push({ ...request, status: reply.status });
    return send(res, reply.status, reply.body, reply.headers);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}
