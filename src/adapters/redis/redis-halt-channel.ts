import type { ChainableCommander, Redis } from 'ioredis';
import type { HaltChannel, HaltChannelEvent, HaltSignal } from '../../app/ports.js';
import { ConfigError, HaltError } from '../../domain/errors.js';
import { createHaltTransitions } from '../halt/halt-transitions.js';
import { parseHaltFlag } from './halt-flag.js';
import { encodeHaltMessage, parseHaltMessage } from './halt-message.js';
import { startHaltPollLoop, type HaltPollLoop } from './halt-poll-loop.js';
import { createRedisAvailability } from './redis-availability.js';
import { closeRedisConnection, createRedisConnection, waitForRedisReady } from './redis-connection.js';
import { DEFAULT_HALT_KEY_PREFIX, toRedisHaltKeys, type RedisHaltKeys } from './redis-halt-keys.js';
import { startRedisHaltSubscriber, type RedisHaltSubscriber } from './redis-halt-subscriber.js';
import { assertRedisUrl, redactRedisUrl } from './redis-url.js';

/** How often the keys are read, so a hand-written `redis-cli SET` (which publishes nothing) is seen this fast. */
export const DEFAULT_HALT_POLL_MS = 25;
/** How long a TCP connect may take, and how long open waits for Redis before returning an unavailable channel. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 500;

/** Where the channel connects and how fast it polls; every field but `url` has a default above. */
export interface RedisHaltChannelOptions {
  /** redis:// or rediss:// URL; its password never appears in errors. */
  url: string;
  pollMs?: number;
  /** Default 'archon72:halt:', the runbook's keys. */
  keyPrefix?: string;
  connectTimeoutMs?: number;
}

const NO_SIGNAL: HaltSignal = { reason: undefined, source: undefined, at: undefined };

/**
 * Opens the Redis halt channel: keys `<prefix>active` / `<prefix>reason` and pub/sub channel `<prefix>events`.
 *
 * Watchers learn a transition from whichever source sees it first, and only once: a message on `<prefix>events`
 * (raise/clear from any instance), a keyspace notification on `<prefix>active` (only if the server has
 * notify-keyspace-events enabled; this adapter never changes server config), or the poll of both keys every
 * `pollMs`. A raise seen only in the keys (an operator's `redis-cli SET`) carries no source or time, and its reason
 * is undefined when the operator has set `active` but not yet `reason`; the consumer must accept that.
 *
 * Never throws for an unreachable Redis: it returns a channel whose `available` is false and keeps reconnecting.
 * Throws ConfigError CONFIG_INVALID for a URL that is not redis:// or rediss://, or a non-positive interval.
 * raise/clear/read throw HaltError HALT_CHANNEL_UNAVAILABLE (naming the URL without its password) when Redis does
 * not answer within ~500 ms, at once while it is known down, and after close().
 */
export async function createRedisHaltChannel(options: RedisHaltChannelOptions): Promise<HaltChannel> {
  assertRedisUrl(options.url);
  const pollMs = positive('pollMs', options.pollMs ?? DEFAULT_HALT_POLL_MS);
  const connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS);
  const command = createRedisConnection(options.url, 'archon72-halt', connectTimeoutMs);
  const subscription = createRedisConnection(options.url, 'archon72-halt-watch', connectTimeoutMs);
  const keys = toRedisHaltKeys(options.keyPrefix ?? DEFAULT_HALT_KEY_PREFIX, command.options.db ?? 0);
  const channel = new RedisHaltChannel(command, subscription, keys, redactRedisUrl(options.url), pollMs);
  await channel.opened(connectTimeoutMs);
  return channel;
}

class RedisHaltChannel implements HaltChannel {
  readonly kind = 'redis';
  private readonly availability = createRedisAvailability();
  private readonly transitions = createHaltTransitions();
  private readonly loop: HaltPollLoop;
  private readonly subscriber: RedisHaltSubscriber;
  // Messages applied so far. A poll's reply may have been computed before a message it arrives after (two
  // connections, no common order); a poll that saw this counter move while in flight is stale and is dropped.
  private messagesApplied = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly command: Redis,
    private readonly subscription: Redis,
    private readonly keys: RedisHaltKeys,
    /** The URL without its password, for error messages. */
    private readonly where: string,
    pollMs: number,
  ) {
    // Connection events of the command connection; polls and reads report too (a frozen server emits nothing).
    command.on('ready', () => this.availability.report(true));
    for (const event of ['close', 'end', 'error'] as const) command.on(event, () => this.availability.report(false));
    this.loop = startHaltPollLoop(pollMs, this.poll);
    command.on('ready', this.loop.pollNow);
    this.subscriber = startRedisHaltSubscriber(subscription, [keys.events, keys.activeKeyspace], this.onMessage, this.loop.pollNow);
  }

  /**
   * Resolves once both connections have answered or failed, and the keys have been read once, so that `available`
   * and a first watcher's catch-up reflect Redis rather than "not yet known". Never rejects.
   */
  async opened(connectTimeoutMs: number): Promise<void> {
    await Promise.all([
      waitForRedisReady(this.command, connectTimeoutMs),
      waitForRedisReady(this.subscription, connectTimeoutMs).then(() => this.subscriber.settled()),
    ]);
    await this.poll();
  }

  get available(): boolean {
    return this.availability.available;
  }

  // The message goes first in the transaction: MULTI/EXEC is atomic, so no reader ever sees the keys half written
  // (hence `active` last is safe), and on a watcher's subscription connection our message precedes the keyspace
  // notification of `active`. A reader woken by the message reads after EXEC, so it sees the keys set.
  async raise(signal: HaltSignal): Promise<void> {
    const transaction = this.transaction({ kind: 'raised', ...signal });
    // No reason: delete any stale one rather than leave an old halt's reason beside the new flag.
    if (signal.reason === undefined) transaction.del(this.keys.reason);
    else transaction.set(this.keys.reason, signal.reason);
    await this.commit('raise', transaction.set(this.keys.active, 'true'));
  }

  async clear(): Promise<void> {
    await this.commit('clear', this.transaction({ kind: 'cleared' }).del(this.keys.active, this.keys.reason));
  }

  async read(): Promise<{ active: boolean; reason: string | undefined }> {
    if (this.closed) throw this.unavailable('read');
    try {
      const flag = await this.readFlag();
      this.availability.report(true);
      return flag;
    } catch (err) {
      this.availability.report(false);
      throw this.unavailable('read', err);
    }
  }

  watch(listener: (event: HaltChannelEvent) => void): () => void {
    return this.transitions.watch(listener);
  }

  onAvailability(listener: (available: boolean) => void): () => void {
    return this.availability.onChange(listener);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Listeners are detached first: shutting down is not an outage, and must not be reported as one.
      this.closed = true;
      this.loop.stop();
      this.transitions.stop();
      this.availability.stop();
      await Promise.all([closeRedisConnection(this.command), closeRedisConnection(this.subscription)]);
    })();
    return this.closing;
  }

  private readonly poll = async (): Promise<void> => {
    const before = this.messagesApplied;
    try {
      const flag = await this.readFlag();
      this.availability.report(true);
      if (flag.active && !this.transitions.isActive()) await drainSubscription(this.subscription);
      if (this.messagesApplied === before) this.transitions.observe(flag.active, { ...NO_SIGNAL, reason: flag.reason });
    } catch {
      this.availability.report(false);
    }
  };

  private readonly onMessage = (channel: string, message: string): void => {
    const event = channel === this.keys.events ? parseHaltMessage(message) : undefined;
    if (event === undefined) {
      // A keyspace notification says only that `active` changed, and an unreadable message is not trusted: the
      // keys are the truth, so read them now.
      this.loop.pollNow();
      return;
    }
    this.messagesApplied += 1;
    if (event.kind === 'raised') this.transitions.observe(true, { reason: event.reason, source: event.source, at: event.at });
    else this.transitions.observe(false, NO_SIGNAL);
  };

  private async readFlag(): Promise<{ active: boolean; reason: string | undefined }> {
    // One MGET: both keys from the same instant, in one round trip.
    const [active, reason] = await this.command.mget(this.keys.active, this.keys.reason);
    return { active: parseHaltFlag(active), reason: reason ?? undefined };
  }

  /** MULTI starting with the PUBLISH of `event`; nothing is sent before commit's EXEC. */
  private transaction(event: HaltChannelEvent): ChainableCommander {
    return this.command.multi().publish(this.keys.events, encodeHaltMessage(event));
  }

  private async commit(operation: string, transaction: ChainableCommander): Promise<void> {
    if (this.closed) throw this.unavailable(operation);
    try {
      const replies = await transaction.exec();
      if (replies === null) throw new Error('transaction discarded');
      const failed = replies.find(([err]) => err !== null);
      if (failed !== undefined) throw failed[0];
    } catch (err) {
      throw this.unavailable(operation, err);
    }
  }

  private unavailable(operation: string, cause?: unknown): HaltError {
    const what = this.closed ? 'the channel is closed' : `Redis did not answer (${cause instanceof Error ? cause.message : String(cause)})`;
    return new HaltError({
      code: 'HALT_CHANNEL_UNAVAILABLE',
      message: `halt channel ${operation} at ${this.where}: ${what}`,
      details: { url: this.where },
      cause,
    });
  }
}

/**
 * Waits until every message published before now has reached us on the subscription connection. A poll that sees
 * a new halt cannot tell an operator's SET from an instance's raise whose message is still in flight (a big or
 * slow message ahead of it, or the other socket read first), and reporting it would lose the raiser's source and
 * time. Redis answers a connection in order, and the raise's PUBLISH ran before the keys this poll read, so once
 * this PING's reply arrives, that message (if there was one) has been applied. Only on a new halt: one round trip.
 * Never rejects; if the subscription is down there is nothing to wait for.
 */
async function drainSubscription(subscription: Redis): Promise<void> {
  if (subscription.status !== 'ready') return;
  await subscription.ping().catch(() => undefined);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError({ code: 'CONFIG_INVALID', message: `halt channel: ${name} must be a positive number of milliseconds` });
  }
  return value;
}
