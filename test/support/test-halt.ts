import { createInProcessHaltChannel } from '../../src/adapters/halt/in-process-halt-channel.js';
import { createInProcessHaltStore, type InProcessHaltStore } from '../../src/adapters/halt/in-process-halt-store.js';
import { createPgHaltStateStore } from '../../src/adapters/postgres/pg-halt-state.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { EventAppender } from '../../src/app/event-appender.js';
import { HaltGuard } from '../../src/app/halt-guard.js';
import { HaltService } from '../../src/app/halt-service.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import type { HaltMetrics } from '../../src/app/halt-metrics.js';
import type { HaltChannel, HaltStateStore } from '../../src/app/ports.js';
import type { TestStack } from './test-stack.js';

/** Metrics a test can read back. */
export interface RecordedHaltMetrics extends HaltMetrics {
  halted: boolean;
  halts: string[];
  propagation: number[];
}

export interface TestHalt {
  state: HaltStateStore;
  channel: HaltChannel;
  /** Shared by every channel opened on it: an operator's `redis-cli` on the in-process channel. */
  channelStore: InProcessHaltStore;
  service: HaltService;
  guard: HaltGuard;
  /** An appender whose writes pass the guard, as the server's do. */
  appender: EventAppender;
  metrics: RecordedHaltMetrics;
  stop(): Promise<void>;
}

/**
 * The halt machinery of one instance over a test stack: the canonical state, an in-process channel, the service,
 * and a started guard polling every `pollMs`, wired as src/compose.ts wires them.
 */
export async function createTestHalt(
  stack: TestStack,
  options: { pollMs?: number; requireChannel?: boolean; channel?: HaltChannel; channelStore?: InProcessHaltStore; forwardMetrics?: HaltMetrics } = {},
): Promise<TestHalt> {
  const state = createPgHaltStateStore(stack.client);
  const channelStore = options.channelStore ?? createInProcessHaltStore();
  const channel = options.channel ?? createInProcessHaltChannel(channelStore);
  const metrics: RecordedHaltMetrics = {
    halted: false,
    halts: [],
    propagation: [],
    setHalted: (value) => {
      metrics.halted = value;
      options.forwardMetrics?.setHalted(value);
    },
    countHalt: (source) => {
      metrics.halts.push(source);
      options.forwardMetrics?.countHalt(source);
    },
    observePropagation: (seconds) => {
      metrics.propagation.push(seconds);
      options.forwardMetrics?.observePropagation(seconds);
    },
  };
  let guard: HaltGuard | undefined;
  const appender = new EventAppender({
    store: stack.store,
    keys: stack.keys,
    custody: stack.custody,
    verify: verifyEd25519Sodium,
    gate: { assertWritable: (t) => guard?.assertWritable(t), haltSeenByDatabase: () => guard?.haltSeenByDatabase(), integrityFault: (d) => guard?.integrityFault(d) },
  });
  const service = new HaltService({ state, channel, appender, registry: stack.registry, keys: stack.keys, custody: stack.custody, clock: systemClock, verify: verifyEd25519Sodium, warn: () => undefined });
  guard = new HaltGuard({
    state,
    channel,
    service,
    clock: systemClock,
    metrics,
    requireChannel: options.requireChannel ?? false,
    verifyAfterClear: async () => {
      const report = await verifyChain({ store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true });
      return report.fault?.code;
    },
    pollMs: options.pollMs ?? 50,
    log: () => undefined,
  });
  await guard.start();
  return {
    state,
    channel,
    channelStore,
    service,
    guard,
    appender,
    metrics,
    async stop() {
      guard?.stop();
      await guard?.settled();
      await appender.flush();
      await channel.close();
    },
  };
}

/** Resolves once `check` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
