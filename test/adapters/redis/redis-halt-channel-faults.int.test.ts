import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, it, expect, afterEach, vi } from 'vitest';
import type { HaltChannel, HaltSignal } from '../../../src/app/ports.js';
import { createRedisHaltChannel, DEFAULT_HALT_POLL_MS } from '../../../src/adapters/redis/redis-halt-channel.js';
import { HaltError } from '../../../src/domain/errors.js';
import { recordEvents, waitForEvents } from '../../contracts/halt-channel.contract.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { REDIS_TEST_URL, shouldRunRedis } from '../../support/services.js';
import { findFreePort, shouldRunOwnRedisServer, startRedisServer, type RedisServerProcess } from './redis-server-process.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SIGNAL: HaltSignal = { reason: 'Emergency maintenance', source: 'api', at: '2025-06-01T12:00:00.000000Z' };
/** Scheduling slack on a loaded 2-core machine, on top of the interval under test. */
const SLACK_MS = 75;
/** What "promptly" means for a failure: the command timeout (500 ms) plus slack. */
const PROMPT_MS = 1000;

describe('RedisHaltChannel faults', () => {
  const channels: HaltChannel[] = [];
  const servers: RedisServerProcess[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const channel of channels.splice(0)) await channel.close();
    for (const client of clients.splice(0)) client.disconnect();
    for (const server of servers.splice(0)) await server.stop();
  });
  const open = async (options: Parameters<typeof createRedisHaltChannel>[0]) => {
    const channel = await createRedisHaltChannel(options);
    channels.push(channel);
    return channel;
  };
  const rawClient = (url: string) => {
    const client = new Redis(url);
    clients.push(client);
    return client;
  };
  const server = async (extraArgs: string[] = [], port?: number) => {
    const started = await startRedisServer(extraArgs, port);
    servers.push(started);
    return started;
  };
  const testPrefix = () => `archon72-test:${randomBytes(6).toString('hex')}:halt:`;

  describe('when an operator writes the keys by hand (nothing is published)', () => {
    it('sees SET active within one poll interval, then the reason SET after it, then DEL as a clear', async (ctx) => {
      if (!(await shouldRunRedis('RedisHaltChannel hand-written keys'))) return ctx.skip();
      const keyPrefix = testPrefix();
      const channel = await open({ url: REDIS_TEST_URL, keyPrefix });
      const heard = recordEvents(channel);
      const operator = rawClient(REDIS_TEST_URL);

      await operator.set(`${keyPrefix}active`, 'true');
      expect(await waitForEvents(heard, 1, performance.now())).toBeLessThan(DEFAULT_HALT_POLL_MS + SLACK_MS);
      // The reason is not set yet, and a hand-written halt names no source or time.
      expect(heard.events[0]).toEqual({ kind: 'raised', reason: undefined, source: undefined, at: undefined });
      await operator.set(`${keyPrefix}reason`, 'Emergency maintenance');
      expect(await channel.read()).toEqual({ active: true, reason: 'Emergency maintenance' });

      const clearedAt = performance.now();
      await operator.del(`${keyPrefix}active`, `${keyPrefix}reason`);
      expect(await waitForEvents(heard, 2, clearedAt)).toBeLessThan(DEFAULT_HALT_POLL_MS + SLACK_MS);
      await sleep(100);
      expect(heard.events).toEqual([heard.events[0], { kind: 'cleared' }]);
    });

    it("sees the runbook's two redis-cli commands (on a test prefix) with their reason", async (ctx) => {
      if (!(await shouldRunRedis('RedisHaltChannel runbook redis-cli'))) return ctx.skip();
      const keyPrefix = testPrefix();
      const channel = await open({ url: REDIS_TEST_URL, keyPrefix });
      const heard = recordEvents(channel);
      const start = performance.now();
      await run('redis-cli', ['-u', REDIS_TEST_URL, 'SET', `${keyPrefix}active`, 'true']);
      await run('redis-cli', ['-u', REDIS_TEST_URL, 'SET', `${keyPrefix}reason`, 'Emergency maintenance']);
      // Bounded by the two redis-cli processes' start-up as much as by the channel.
      expect(await waitForEvents(heard, 1, start)).toBeLessThan(1000);
      expect(heard.events[0]).toMatchObject({ kind: 'raised' });
      expect(await channel.read()).toEqual({ active: true, reason: 'Emergency maintenance' });
    });

    it('reads "TRUE", " 1 " and "yes" as halted, and "false", "0" or "halted" as not', async (ctx) => {
      if (!(await shouldRunRedis('RedisHaltChannel flag values'))) return ctx.skip();
      const keyPrefix = testPrefix();
      const channel = await open({ url: REDIS_TEST_URL, keyPrefix });
      const operator = rawClient(REDIS_TEST_URL);
      const cases: Array<[string, boolean]> = [['TRUE', true], [' 1 ', true], ['yes', true], ['false', false], ['0', false], ['halted', false]];
      for (const [value, active] of cases) {
        await operator.set(`${keyPrefix}active`, value);
        expect((await channel.read()).active, `active = ${JSON.stringify(value)}`).toBe(active);
      }
      await operator.del(`${keyPrefix}active`);
    });

    it('ignores a malformed message on the events channel and keeps watching', async (ctx) => {
      if (!(await shouldRunRedis('RedisHaltChannel malformed messages'))) return ctx.skip();
      const keyPrefix = testPrefix();
      const [a, b] = [await open({ url: REDIS_TEST_URL, keyPrefix }), await open({ url: REDIS_TEST_URL, keyPrefix })];
      const heard = recordEvents(b);
      const publisher = rawClient(REDIS_TEST_URL);
      for (const junk of ['not json', '[]', '{"kind":"raised","reason":5}', '{"kind":"halt"}', 'x'.repeat(70_000)]) {
        await publisher.publish(`${keyPrefix}events`, junk);
      }
      await sleep(100);
      expect(heard.events).toEqual([]);
      await a.raise(SIGNAL);
      await waitForEvents(heard, 1, performance.now());
      expect(heard.events).toEqual([{ kind: 'raised', ...SIGNAL }]);
      await a.clear();
    });
  });

  describe('when the server has keyspace notifications enabled', () => {
    it('sees a hand-written SET and DEL at once, without waiting for a poll', async (ctx) => {
      if (!(await shouldRunOwnRedisServer('RedisHaltChannel keyspace notifications'))) return ctx.skip();
      // The test's own server is started with notifications on; the adapter never changes server config.
      const redis = await server(['--notify-keyspace-events', 'Kg$']);
      const channel = await open({ url: redis.url, pollMs: 60_000 });
      const heard = recordEvents(channel);
      const operator = rawClient(redis.url);
      const setAt = performance.now();
      await operator.set('archon72:halt:active', 'true');
      expect(await waitForEvents(heard, 1, setAt)).toBeLessThan(SLACK_MS);
      const delAt = performance.now();
      await operator.del('archon72:halt:active');
      expect(await waitForEvents(heard, 2, delAt)).toBeLessThan(SLACK_MS);
      expect(heard.events.map((event) => event.kind)).toEqual(['raised', 'cleared']);
    });
  });

  describe('when the Redis server is killed and restarted empty', () => {
    it('turns unavailable at once, fails fast while down, and recovers by itself reporting no halt', async (ctx) => {
      if (!(await shouldRunOwnRedisServer('RedisHaltChannel server death'))) return ctx.skip();
      const redis = await server();
      const channel = await open({ url: redis.url });
      expect(channel.available).toBe(true);
      const changes: boolean[] = [];
      channel.onAvailability((available) => changes.push(available));
      const heard = recordEvents(channel);
      await channel.raise(SIGNAL);
      await waitForEvents(heard, 1, performance.now());

      const killedAt = performance.now();
      await redis.kill();
      await vi.waitFor(() => expect(channel.available).toBe(false), { timeout: PROMPT_MS, interval: 1 });
      expect(performance.now() - killedAt).toBeLessThan(PROMPT_MS);
      expect(changes).toEqual([false]);
      const readAt = performance.now();
      await expectRejection(channel.read(), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
      await expectRejection(channel.raise(SIGNAL), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
      await expectRejection(channel.clear(), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
      expect(performance.now() - readAt).toBeLessThan(PROMPT_MS);

      await redis.restart();
      await vi.waitFor(() => expect(channel.available).toBe(true), { timeout: 5000, interval: 5 });
      expect(changes).toEqual([false, true]);
      // Redis lost the flag: the channel reports what Redis says; the consumer re-raises from the database.
      expect(await channel.read()).toEqual({ active: false, reason: undefined });
      await waitForEvents(heard, 2, performance.now());
      expect(heard.events[1]).toEqual({ kind: 'cleared' });
      await channel.raise(SIGNAL);
      expect(await channel.read()).toEqual({ active: true, reason: SIGNAL.reason });
      await waitForEvents(heard, 3, performance.now());
      // Right after the restart the subscriber connection may not have subscribed again yet, so this raise can be
      // found by the poll first, which knows the keys (the reason) but not the message's source and time.
      expect(heard.events[2]).toMatchObject({ kind: 'raised', reason: SIGNAL.reason });
    });
  });

  describe('when the Redis server freezes (sockets open, no answers)', () => {
    it('fails reads within the command timeout, turns unavailable, and recovers when it thaws', async (ctx) => {
      if (!(await shouldRunOwnRedisServer('RedisHaltChannel frozen server'))) return ctx.skip();
      const redis = await server();
      const channel = await open({ url: redis.url });
      const changes: boolean[] = [];
      channel.onAvailability((available) => changes.push(available));

      redis.freeze();
      const readAt = performance.now();
      await expectRejection(channel.read(), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
      expect(performance.now() - readAt).toBeLessThan(PROMPT_MS);
      expect(channel.available).toBe(false);

      redis.thaw();
      await vi.waitFor(() => expect(channel.available).toBe(true), { timeout: 3000, interval: 5 });
      expect(changes).toEqual([false, true]);
      expect(await channel.read()).toEqual({ active: false, reason: undefined });
    });
  });

  describe('when nothing listens at the URL', () => {
    it('still opens, reports unavailable, fails fast, and becomes available once a server starts there', async (ctx) => {
      if (!(await shouldRunOwnRedisServer('RedisHaltChannel nothing listening'))) return ctx.skip();
      const port = await findFreePort();
      const openedAt = performance.now();
      const channel = await open({ url: `redis://:not-logged@127.0.0.1:${port}` });
      expect(performance.now() - openedAt).toBeLessThan(PROMPT_MS);
      expect(channel.available).toBe(false);
      const changes: boolean[] = [];
      channel.onAvailability((available) => changes.push(available));

      const readAt = performance.now();
      const err = await expectRejection(channel.read(), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
      expect(performance.now() - readAt).toBeLessThan(100);
      expect(err.message).toContain(`127.0.0.1:${port}`);
      expect(err.message).not.toContain('not-logged');
      await expectRejection(channel.raise(SIGNAL), HaltError, 'HALT_CHANNEL_UNAVAILABLE');

      await server(['--requirepass', 'not-logged'], port);
      await vi.waitFor(() => expect(channel.available).toBe(true), { timeout: 5000, interval: 5 });
      expect(changes).toEqual([true]);
      expect(await channel.read()).toEqual({ active: false, reason: undefined });
    });

    it('closes promptly while Redis is down', async (ctx) => {
      if (!(await shouldRunRedis('RedisHaltChannel close while down'))) return ctx.skip();
      const channel = await createRedisHaltChannel({ url: `redis://127.0.0.1:${await findFreePort()}` });
      const closedAt = performance.now();
      await channel.close();
      expect(performance.now() - closedAt).toBeLessThan(100);
      expect(channel.available).toBe(false);
    });
  });
});
