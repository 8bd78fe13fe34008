import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import type { HaltChannel, HaltChannelEvent, HaltSignal } from '../../src/app/ports.js';
import { HaltError } from '../../src/domain/errors.js';
import { expectRejection } from '../support/expect-rejection.js';

/** Where a contract run keeps the flag: one Redis key prefix, one in-process store. */
export interface HaltChannelBackend {
  /** Opens a channel on this backend; every call is another instance sharing the same flag. */
  open(): Promise<HaltChannel>;
  /** Deletes what the backend stored; called after every channel opened on it is closed. */
  remove(): Promise<void>;
  kind: HaltChannel['kind'];
}

/** How long a watcher on another instance may take to hear a raise or clear (the bound). */
export const DELIVERY_BOUND_MS = 100;
/** Long enough for several poll intervals: a duplicate from a slower source would have arrived by then. */
const SETTLE_MS = 200;

const SIGNAL: HaltSignal = { reason: 'Emergency maintenance', source: 'api', at: '2025-06-01T12:00:00.000000Z' };

/** Every event a watcher heard, and the time each arrived. */
export interface WatchRecord {
  events: HaltChannelEvent[];
  times: number[];
  stop(): void;
}

/** Watches `channel`, keeping every event and its arrival time; `stop` unsubscribes. */
export function recordEvents(channel: HaltChannel): WatchRecord {
  const record: WatchRecord = { events: [], times: [], stop: () => undefined };
  record.stop = channel.watch((event) => {
    record.events.push(event);
    record.times.push(performance.now());
  });
  return record;
}

/** Waits until `record` holds `count` events; returns how long after `since` the last one arrived. */
export async function waitForEvents(record: WatchRecord, count: number, since: number, timeoutMs = 2000): Promise<number> {
  await vi.waitFor(() => expect(record.events.length).toBeGreaterThanOrEqual(count), { timeout: timeoutMs, interval: 1 });
  return (record.times[count - 1] as number) - since;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The HaltChannel contract: the in-process and Redis channels must pass the same cases. `makeBackend` returns
 * undefined when the backend is absent (the runner has already printed why).
 */
export function haltChannelContract(name: string, makeBackend: () => Promise<HaltChannelBackend | undefined>): void {
  describe(`HaltChannel contract: ${name}`, () => {
    let backend: HaltChannelBackend | undefined;
    const opened: HaltChannel[] = [];
    const open = async () => {
      const channel = await (backend as HaltChannelBackend).open();
      opened.push(channel);
      return channel;
    };

    beforeEach(async (ctx) => {
      backend = await makeBackend();
      if (backend === undefined) ctx.skip();
    });
    afterEach(async () => {
      for (const channel of opened.splice(0)) await channel.close();
      await backend?.remove();
    });

    describe('when nothing was raised', () => {
      it('reads not halted, no reason, and is available', async () => {
        const channel = await open();
        expect(channel.kind).toBe(backend?.kind);
        expect(channel.available).toBe(true);
        expect(await channel.read()).toEqual({ active: false, reason: undefined });
      });
    });

    describe('raise', () => {
      it('makes read() say active with the reason, on every instance', async () => {
        const [a, b] = [await open(), await open()];
        await a.raise(SIGNAL);
        expect(await a.read()).toEqual({ active: true, reason: SIGNAL.reason });
        expect(await b.read()).toEqual({ active: true, reason: SIGNAL.reason });
      });

      it('without a reason leaves no reason, not an earlier one', async () => {
        const channel = await open();
        await channel.raise(SIGNAL);
        await channel.clear();
        await channel.raise({ reason: undefined, source: 'cli', at: undefined });
        expect(await channel.read()).toEqual({ active: true, reason: undefined });
      });

      it(`reaches a watcher on another instance, with reason, source and time, within ${DELIVERY_BOUND_MS} ms`, async () => {
        const [a, b] = [await open(), await open()];
        const heard = recordEvents(b);
        const start = performance.now();
        await a.raise(SIGNAL);
        expect(await waitForEvents(heard, 1, start)).toBeLessThan(DELIVERY_BOUND_MS);
        expect(heard.events[0]).toEqual({ kind: 'raised', ...SIGNAL });
      });

      it("reaches the raising instance's own watchers", async () => {
        const channel = await open();
        const heard = recordEvents(channel);
        await channel.raise(SIGNAL);
        await waitForEvents(heard, 1, performance.now());
        expect(heard.events).toEqual([{ kind: 'raised', ...SIGNAL }]);
      });
    });

    describe('clear', () => {
      it(`makes read() say not active, and reaches a watcher on another instance within ${DELIVERY_BOUND_MS} ms`, async () => {
        const [a, b] = [await open(), await open()];
        const heard = recordEvents(b);
        await a.raise(SIGNAL);
        await waitForEvents(heard, 1, performance.now());
        const start = performance.now();
        await a.clear();
        expect(await waitForEvents(heard, 2, start)).toBeLessThan(DELIVERY_BOUND_MS);
        expect(heard.events[1]).toEqual({ kind: 'cleared' });
        expect(await b.read()).toEqual({ active: false, reason: undefined });
      });
    });

    describe('watch', () => {
      it('tells every watcher each transition once, a repeated raise or clear being no transition', async () => {
        const [a, b] = [await open(), await open()];
        const watchers = [recordEvents(a), recordEvents(b), recordEvents(b)];
        await a.raise(SIGNAL);
        await b.raise({ ...SIGNAL, source: 'keeper' });
        await sleep(SETTLE_MS);
        await b.clear();
        await a.clear();
        await sleep(SETTLE_MS);
        await a.raise(SIGNAL);
        await sleep(SETTLE_MS);
        for (const heard of watchers) {
          expect(heard.events).toEqual([{ kind: 'raised', ...SIGNAL }, { kind: 'cleared' }, { kind: 'raised', ...SIGNAL }]);
        }
      });

      it('stops delivering to a watcher once it unsubscribes, and only to that one', async () => {
        const [a, b] = [await open(), await open()];
        const gone = recordEvents(b);
        const kept = recordEvents(b);
        gone.stop();
        await a.raise(SIGNAL);
        await waitForEvents(kept, 1, performance.now());
        await sleep(SETTLE_MS);
        expect(gone.events).toEqual([]);
        expect(kept.events).toHaveLength(1);
      });

      it('tells a watcher added while halted about the halt, once', async () => {
        const [a, b] = [await open(), await open()];
        await a.raise(SIGNAL);
        await vi.waitFor(async () => expect((await b.read()).active).toBe(true));
        await sleep(SETTLE_MS);
        const late = recordEvents(b);
        await waitForEvents(late, 1, performance.now());
        await sleep(SETTLE_MS);
        expect(late.events).toHaveLength(1);
        expect(late.events[0]).toMatchObject({ kind: 'raised', reason: SIGNAL.reason });
      });
    });

    describe('close', () => {
      it('is idempotent; afterwards the channel is unavailable, refuses every operation and delivers nothing', async () => {
        const [a, b] = [await open(), await open()];
        const heard = recordEvents(b);
        await b.close();
        await b.close();
        expect(b.available).toBe(false);
        await a.raise(SIGNAL);
        await sleep(SETTLE_MS);
        expect(heard.events).toEqual([]);
        await expectRejection(b.read(), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
        await expectRejection(b.raise(SIGNAL), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
        await expectRejection(b.clear(), HaltError, 'HALT_CHANNEL_UNAVAILABLE');
        expect((await a.read()).active).toBe(true);
      });
    });
  });
}
