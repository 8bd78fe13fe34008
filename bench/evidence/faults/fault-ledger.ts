import { performance } from 'node:perf_hooks';
import { toSubmissionJson } from '../../../src/domain/chain/event-json.js';
import { errorCodeOf, type InstanceClient } from '../../halt-http.js';
import type { AgentSigners } from '../../bench-agents.js';
import type { EventSubmission } from '../../../src/domain/chain/event.types.js';

/** How one POST /v1/events ended. */
export interface WriteAnswer {
  /** HTTP status, or 0 when no answer came (connection refused or reset). */
  status: number;
  code: string | undefined;
  /** performance.now() when the answer (or the network error) arrived. */
  at: number;
  sentAt: number;
}

/**
 * Every write a fault scenario made, by outcome, to check against the log afterwards:
 * - acked: 201, with the sequence it named; it must be stored there;
 * - refused: an error answer other than STORE_UNAVAILABLE (the halt guard refused it before it was queued, or the
 *   input was refused): it must never be stored;
 * - unknown: no answer (the process died with the request in flight) or 503 STORE_UNAVAILABLE (the database may
 *   have committed before the connection died): either way is allowed, and the report counts how many were stored.
 * A connection refused (nothing listening: the process is dead) reached no server and is only counted.
 */
export class FaultLedger {
  readonly acked = new Map<string, number>();
  readonly refused = new Set<string>();
  readonly unknown = new Set<string>();
  /** Answers by "status code"; no answer: "connection refused" (never reached a server) or "no answer (…)" (in flight). */
  readonly answers = new Map<string, number>();
  /** Writes whose connection was refused: no server took them, so they are neither stored nor unknown. */
  refusedConnections = 0;
  private n = 0;

  constructor(
    private readonly signers: AgentSigners,
    private readonly run: string,
    /** Signs a submission; defaults to the agents' signers (local_timestamp = this machine's clock). */
    private readonly sign: (n: number) => Promise<EventSubmission> = (n) => signers.sign(n, run),
  ) {}

  /** One submission signed by `sign` (default: the ledger's) posted to `client`, recorded by outcome. Never throws. */
  async write(client: InstanceClient, sign: (n: number) => Promise<EventSubmission> = this.sign): Promise<WriteAnswer> {
    const submission = await sign(this.n++);
    const sentAt = performance.now();
    let status = 0;
    let code: string | undefined;
    let network = '';
    try {
      const answer = await client.request('POST', '/v1/events', JSON.stringify(toSubmissionJson(submission)));
      status = answer.status;
      code = errorCodeOf(answer.body);
      if (status === 201) this.acked.set(submission.eventId, Number(/"sequence":(\d+)/.exec(answer.body)?.[1]));
      else if (code === 'STORE_UNAVAILABLE' || status >= 500 && status !== 503) this.unknown.add(submission.eventId);
      else this.refused.add(submission.eventId);
    } catch (err) {
      network = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (network === 'ECONNREFUSED') this.refusedConnections++;
      else this.unknown.add(submission.eventId);
    }
    const key = status !== 0 ? `${status}${code ? ` ${code}` : ''}` : network === 'ECONNREFUSED' ? 'connection refused' : `no answer (${network})`;
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
    return { status, code, at: performance.now(), sentAt };
  }

  /**
   * Starts `perClient` writers on each client, posting back to back (20 ms pause after anything but a 201, so an
   * instance that refuses or is down is not hammered in a busy loop). `onAnswer` sees every answer with its client's
   * index. stop() resolves once every writer has stopped.
   */
  startLoad(clients: InstanceClient[], perClient: number, onAnswer: (client: number, answer: WriteAnswer) => void = () => undefined): { stop(): Promise<void> } {
    let stopped = false;
    const loop = async (index: number): Promise<void> => {
      const client = clients[index] as InstanceClient;
      while (!stopped) {
        const answer = await this.write(client);
        onAnswer(index, answer);
        if (answer.status !== 201) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const running = clients.flatMap((_, i) => Array.from({ length: perClient }, () => loop(i)));
    return {
      async stop() {
        stopped = true;
        await Promise.all(running);
      },
    };
  }

  /** "201×1234, 503 HALT_CHANNEL_UNAVAILABLE×56, …" */
  describeAnswers(): string {
    return [...this.answers].sort(([, a], [, b]) => b - a).map(([k, n]) => `${k}×${n}`).join(', ');
  }

  /** Answers with a status of 500 or above other than 503 (a fault must never surface as one). */
  get serverErrors(): number {
    return [...this.answers].filter(([k]) => /^5\d\d/.test(k) && !k.startsWith('503')).reduce((n, [, c]) => n + c, 0);
  }
}
