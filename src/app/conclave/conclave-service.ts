import { setMaxListeners } from 'node:events';
import { AppError, DeliberationError, LimitError } from '../../domain/errors.js';
import { SESSION_EVENT } from '../../domain/deliberation/session-events.js';
import { startSession, type ConclaveDeps, type SessionOutcome } from './run-session.js';
import type { Motion } from '../../domain/deliberation/motion.js';
import type { Roster } from '../../domain/deliberation/roster.js';
import type { StoredEvent } from '../../domain/chain/event.types.js';
import type { Clock, LlmClient } from '../ports.js';
import { parseSessionOpenStatement } from '../../domain/deliberation/session-authorization.js';
import { verifySignedStatement, type SignedKeeperStatement } from '../../domain/signing/keeper-statement.js';
import { Keyring } from '../../domain/signing/keyring.js';
import { timestampToMillis } from '../../domain/chain/timestamp.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';
import type { SessionLog } from './session-log.js';

/** Most sessions one server process runs at once (each holds up to the LLM client's concurrency in model calls). */
export const MAX_RUNNING_SESSIONS = 4;

/** The ports of ConclaveService (src/compose.ts createConclaveService wires them from the server's stack). */
export interface ConclaveServiceDeps {
  /** What sessions run with: the roster, the model provider, the session log and the halt view. */
  conclave: ConclaveDeps;
  /** The provider's name, recorded in each session_opened event. */
  provider: string;
  /** The write gate (the halt guard): throws HaltError SYSTEM_HALTED, HALT_RESUMING, … while writes are refused. */
  gate: { assertWritable(eventType: string): void };
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Default MAX_RUNNING_SESSIONS. */
  maxRunning?: number;
  /** What a keeper's signed opening is checked against: the keeper keys, the service clock and Ed25519. */
  keepers: { listKeeperKeys(): Promise<PublicKeyRecord[]> };
  clock: Clock;
  verify: Ed25519Verify;
}

/** A session to open: the motion and the rules a caller may choose. */
export interface SessionStart {
  motion: Motion;
  rounds?: number;
  seed?: string;
  validateVotes?: boolean;
}

/** A session a keeper's verified signed opening asks for: its id, and the statement recorded in session_opened. */
interface AuthorizedStart extends SessionStart {
  sessionId: string;
  authorization: SignedKeeperStatement;
}

/**
 * Thrown inside a session's run once the service closes: every port of the run refuses from then on, so the run
 * ends at its next step. Never leaves this module.
 */
class SessionAbandoned extends Error {}

/**
 * Runs Conclave sessions in the background of the server process. A session is started by start(), which answers
 * once its session_opened event is in the log; the rest runs on, writing atomic batches, until adjournment.
 * close() abandons the running sessions safely: a batch being written finishes (it is one transaction), nothing
 * is written after it, model calls in flight are aborted, and each abandoned session stays in the log as it is,
 * to be continued with `archon72 conclave resume <session>`.
 */
export class ConclaveService {
  private readonly running = new Map<string, Promise<void>>();
  private opening = 0;
  /** Openings one at a time: provisioning the archons' keys twice at once would race on the registry. */
  private openings: Promise<unknown> = Promise.resolve();
  private readonly abandon = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: ConclaveServiceDeps) {
    // Every model call of every running session listens for the close (72 votes are asked at once): no leak
    // warning for that many, and each listener is removed when its call settles.
    setMaxListeners(0, this.abandon.signal);
  }

  /** The roster sessions are run with, in speaking order. */
  get roster(): Roster {
    return this.deps.conclave.roster;
  }

  /**
   * Opens a session and leaves it running; resolves with its id once its session_opened event is in the log.
   * Throws HaltError SYSTEM_HALTED (and the gate's other refusals) while writes are refused, LimitError RATE_LIMITED
   * when MAX_RUNNING_SESSIONS are running, DeliberationError DELIBERATION_MOTION_INVALID (e.g. a proposer who is not
   * a King) and the session log's errors (keys, store) when the opening cannot be written.
   */
  async start(request: SessionStart): Promise<string> {
    return this.enqueue(request);
  }

  /**
   * Opens a session on a keeper's signed `conclave.session.open` statement (docs/PROTOCOL.md §18.4), as start()
   * does for the administrator: the statement's content and window are checked (parseSessionOpenStatement), then its
   * signature against the keeper keys active now; session_opened records it. Throws as start(), and
   * DeliberationError DELIBERATION_AUTHORIZATION_INVALID / _EXPIRED, DELIBERATION_SESSION_EXISTS (the statement was
   * used), SignatureError SIG_INVALID, SIG_KEY_UNKNOWN (not an active keeper key).
   */
  async startByKeeper(signed: SignedKeeperStatement): Promise<string> {
    const now = this.deps.clock.now();
    const request = parseSessionOpenStatement(signed, timestampToMillis(now));
    verifySignedStatement(signed, new Keyring(await this.deps.keepers.listKeeperKeys()), now, this.deps.verify);
    return this.enqueue({ ...request, authorization: signed });
  }

  /** start() and startByKeeper(): the write gate and the running-sessions limit, then the openings one at a time. */
  private async enqueue(request: SessionStart | AuthorizedStart): Promise<string> {
    if (this.abandon.signal.aborted) throw new AppError({ code: 'INTERNAL', message: 'the Conclave service is closed' });
    this.deps.gate.assertWritable(SESSION_EVENT.opened);
    const max = this.deps.maxRunning ?? MAX_RUNNING_SESSIONS;
    if (this.running.size + this.opening >= max) {
      throw new LimitError({ code: 'RATE_LIMITED', message: `this instance runs at most ${max} Conclave sessions at once; retry once one adjourns`, details: { limit: 'running sessions', max } });
    }
    this.opening += 1;
    const turn = this.openings.then(() => this.open(request));
    this.openings = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      this.opening -= 1;
    }
  }

  /** Whether this process is running the session now (sessions run by other instances are not known here). */
  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId);
  }

  /** The session's events in log order. Throws DeliberationError DELIBERATION_SESSION_NOT_FOUND when there are none. */
  async events(sessionId: string): Promise<StoredEvent[]> {
    const events = await this.deps.conclave.log.read(sessionId);
    if (events.length === 0) throw new DeliberationError({ code: 'DELIBERATION_SESSION_NOT_FOUND', message: `no Conclave session ${sessionId} is in the log`, details: { sessionId } });
    return events;
  }

  /**
   * Abandons every running session and resolves once each has stopped: a batch being appended commits (or fails)
   * whole, and nothing more is written. Never rejects; each session's end is logged. Call before the stack closes.
   */
  async close(): Promise<void> {
    this.abandon.abort(new SessionAbandoned('the Conclave service is closing'));
    await this.openings;
    await Promise.allSettled([...this.running.values(), ...this.inFlight]);
  }

  private async open(request: SessionStart | AuthorizedStart): Promise<string> {
    let opened: (sessionId: string) => void = () => undefined;
    const openedId = new Promise<string>((resolve) => (opened = resolve));
    const run = startSession(this.sessionDeps(opened), {
      motion: request.motion,
      rules: { ...(request.rounds === undefined ? {} : { rounds: request.rounds }), validateVotes: request.validateVotes === true },
      provider: this.deps.provider,
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...('authorization' in request ? { sessionId: request.sessionId, authorization: request.authorization } : {}),
    });
    // Until session_opened is written a failure is the caller's (a bad motion, a halt, a missing key): it answers
    // the request. From then on the session is the service's, and its end is logged.
    const sessionId = await Promise.race([openedId, run.then(() => openedId)]);
    const done = run.then(
      (outcome) => this.finished(outcome),
      (err: unknown) => this.failed(sessionId, err),
    );
    this.running.set(sessionId, done);
    void done.finally(() => this.running.delete(sessionId));
    this.deps.log('info', `conclave: session ${sessionId} opened`, { sessionId, provider: this.deps.provider });
    return sessionId;
  }

  /** The run's ports, each refusing once the service closes; `opened` hears the session_opened event written. */
  private sessionDeps(opened: (sessionId: string) => void): ConclaveDeps {
    const base = this.deps.conclave;
    const signal = this.abandon.signal;
    const refuseIfClosed = (): void => {
      if (signal.aborted) throw new SessionAbandoned('the Conclave service closed');
    };
    const log: SessionLog = {
      read: async (sessionId) => {
        refuseIfClosed();
        return base.log.read(sessionId);
      },
      provision: async (agentIds) => {
        refuseIfClosed();
        return base.log.provision(agentIds);
      },
      append: async (events) => {
        await yieldToEventLoop();
        refuseIfClosed();
        const write = base.log.append(events);
        // close() waits for a batch being written, so the stack never closes under it.
        this.inFlight.add(write);
        try {
          const stored = await write;
          const first = events[0];
          if (first?.eventType === SESSION_EVENT.opened) opened(String(first.payload.session_id));
          return stored;
        } finally {
          this.inFlight.delete(write);
        }
      },
    };
    const llm: LlmClient = {
      complete: async (request) => {
        // A simulated model answers at once, and embedded PGlite writes without leaving the event loop: without this
        // turn a session would run to adjournment before the server answered any other request.
        await yieldToEventLoop();
        refuseIfClosed();
        // Aborted on close: the call ends at once instead of waiting out the provider's timeout.
        return raceAbort(base.llm.complete(request, signal), signal);
      },
    };
    return {
      ...base,
      log,
      llm,
      halt: {
        writable: async () => {
          refuseIfClosed();
          return base.halt.writable();
        },
      },
      sleep: (ms) => sleepUnlessAborted(ms, signal),
    };
  }

  private finished(outcome: SessionOutcome): void {
    const t = outcome.tally;
    this.deps.log('info', `conclave: session ${outcome.sessionId} adjourned (${outcome.reason})`, {
      sessionId: outcome.sessionId,
      events: outcome.events,
      reason: outcome.reason,
      ...(t === undefined ? {} : { result: t.passed ? 'passed' : 'failed', aye: t.aye, nay: t.nay, abstain: t.abstain }),
    });
  }

  private failed(sessionId: string, err: unknown): void {
    if (err instanceof SessionAbandoned || this.abandon.signal.aborted) {
      this.deps.log('warn', `conclave: session ${sessionId} abandoned on shutdown; continue it with \`archon72 conclave resume ${sessionId}\``, { sessionId });
      return;
    }
    this.deps.log('error', `conclave: session ${sessionId} stopped on an error; continue it with \`archon72 conclave resume ${sessionId}\``, {
      sessionId,
      code: err instanceof AppError ? err.code : undefined,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Resolves on the event loop's next turn, after pending I/O (requests, responses) has been served. */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** `promise`, or the abort reason as soon as `signal` aborts; the listener is removed once either settles. */
async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves after `ms`, or rejects at once when `signal` aborts: a session paused by a halt stops on close. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
