import { describe, it, expect } from 'vitest';
import type { HaltChannelEvent, HaltSignal } from '../../../src/app/ports.js';
import { createHaltTransitions } from '../../../src/adapters/halt/halt-transitions.js';

const NONE: HaltSignal = { reason: undefined, source: undefined, at: undefined };
const SIGNAL: HaltSignal = { reason: 'Emergency maintenance', source: 'api', at: '2025-06-01T12:00:00.000000Z' };
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('createHaltTransitions', () => {
  describe('when the flag is first seen', () => {
    it('announces a halt already in force, but not the absence of one', async () => {
      for (const [active, expected] of [[true, [{ kind: 'raised', ...SIGNAL }]], [false, []]] as const) {
        const transitions = createHaltTransitions();
        const heard: HaltChannelEvent[] = [];
        transitions.watch((event) => heard.push(event));
        transitions.observe(active, SIGNAL);
        await flush();
        expect(heard).toEqual(expected);
      }
    });
  });

  describe('when sources report the same state repeatedly', () => {
    it('delivers each change once, asynchronously', async () => {
      const transitions = createHaltTransitions();
      const heard: HaltChannelEvent[] = [];
      transitions.watch((event) => heard.push(event));
      transitions.observe(false, NONE);
      transitions.observe(true, SIGNAL);
      transitions.observe(true, NONE);
      expect(heard).toEqual([]);
      transitions.observe(false, NONE);
      transitions.observe(false, NONE);
      await flush();
      expect(heard).toEqual([{ kind: 'raised', ...SIGNAL }, { kind: 'cleared' }]);
    });
  });

  describe('when a listener clears from inside its raised callback', () => {
    it('still gives every watcher raised before cleared', async () => {
      const transitions = createHaltTransitions();
      const first: string[] = [];
      const second: string[] = [];
      transitions.watch((event) => {
        first.push(event.kind);
        if (event.kind === 'raised') transitions.observe(false, NONE);
      });
      transitions.watch((event) => second.push(event.kind));
      transitions.observe(true, SIGNAL);
      await flush();
      expect(first).toEqual(['raised', 'cleared']);
      expect(second).toEqual(['raised', 'cleared']);
    });
  });

  describe('when a watcher is added while halted', () => {
    it('tells it the halt once, with fields learned after the raise and none a later source lacked', async () => {
      const transitions = createHaltTransitions();
      transitions.observe(true, { ...NONE, source: 'api' });
      transitions.observe(true, { ...NONE, reason: 'Emergency maintenance' });
      const heard: HaltChannelEvent[] = [];
      transitions.watch((event) => heard.push(event));
      await flush();
      expect(heard).toEqual([{ kind: 'raised', reason: 'Emergency maintenance', source: 'api', at: undefined }]);
    });
  });

  describe('when a watcher unsubscribes before a queued delivery runs', () => {
    it('does not receive it', async () => {
      const transitions = createHaltTransitions();
      const heard: HaltChannelEvent[] = [];
      const stop = transitions.watch((event) => heard.push(event));
      transitions.observe(true, SIGNAL);
      stop();
      await flush();
      expect(heard).toEqual([]);
    });
  });

  describe('after stop', () => {
    it('delivers nothing, queued or new, and accepts no watcher', async () => {
      const transitions = createHaltTransitions();
      const heard: HaltChannelEvent[] = [];
      transitions.watch((event) => heard.push(event));
      transitions.observe(true, SIGNAL);
      transitions.stop();
      transitions.observe(false, NONE);
      transitions.watch((event) => heard.push(event));
      await flush();
      expect(heard).toEqual([]);
      expect(transitions.isActive()).toBe(true);
    });
  });
});
