/**
 * One API-like process of the multi-process PostgreSQL runs: its own stack (pg pool, KeyCache, EventAppender)
 * on the shared database, driven over IPC by worker-pool.ts. Started with child_process.fork, so it inherits
 * the tsx loader from the parent's execArgv.
 */
import { openStack, type Stack } from '../src/compose.js';
import { openAgentSigners, presign, type AgentSigners } from './bench-agents.js';
import { benchConfig } from './bench-stack.js';
import { runLoad } from './run-load.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

let stack: Stack | undefined;
let signers: AgentSigners | undefined;
let index = 0;
let prepared: { run: string; events: number; concurrency: number; next: (i: number) => EventSubmission | Promise<EventSubmission> } | undefined;

function reply(message: FromWorker): void {
  process.send?.(message);
}

async function handle(message: ToWorker): Promise<FromWorker> {
  switch (message.type) {
    case 'init': {
      index = message.index;
      stack = await openStack(benchConfig(message.dataDir, message.databaseUrl), `bench worker ${index}`, { custody: true });
      signers = openAgentSigners(message.agentDir, message.agents);
      const s = signers;
      if (message.warmupEvents > 0) await runLoad(stack.appender(), 32, message.warmupEvents, (i) => s.sign(i, `warmup/w${index}`));
      return { type: 'ready' };
    }
    case 'prepare': {
      if (!signers) throw new Error('prepare before init');
      const s = signers;
      const run = `${message.run}/w${index}`;
      const { offset } = message;
      if (message.signing === 'presigned') {
        const subs = await presign(s, message.events, run, offset);
        prepared = { run, events: message.events, concurrency: message.concurrency, next: (i) => subs[i] as EventSubmission };
      } else {
        prepared = { run, events: message.events, concurrency: message.concurrency, next: (i) => s.sign(offset + i, run) };
      }
      return { type: 'prepared' };
    }
    case 'go': {
      if (!stack || !prepared) throw new Error('go before prepare');
      const load = await runLoad(stack.appender(), prepared.concurrency, prepared.events, prepared.next);
      prepared = undefined;
      return { type: 'done', ...load };
    }
    case 'close':
      await stack?.close();
      stack = undefined;
      return { type: 'closed' };
  }
}

process.on('message', (message: ToWorker) => {
  handle(message).then(
    (answer) => {
      reply(answer);
      if (answer.type === 'closed') process.disconnect();
    },
    (err: unknown) => reply({ type: 'failed', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
});
