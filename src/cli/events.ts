import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, withStack, EXIT } from './run-command.js';
import { provisionKeys, requireMigrated } from '../compose.js';
import { systemClock } from '../adapters/system-clock.js';
import { ensureAgentKey, EVENT_WRITER_ID } from '../app/provision-keys.js';
import { signSubmission } from '../app/sign-submission.js';
import { parseSignedBody } from '../domain/chain/validate-submission.js';
import { parseJsonText } from '../domain/encoding/parse-json.js';
import { toEventJson } from '../domain/chain/event-json.js';

/** `archon72 events append|tail`. */
export function registerEvents(program: Command): void {
  const events = program.command('events').description('append to and read the event log');

  events
    .command('append')
    .description('sign an event with the agent’s key in custody (development keys in DEV_MODE), append it, and print the stored event as JSON')
    .requiredOption('--type <type>', 'event type, e.g. motion.proposed')
    .requiredOption('--payload <json>', 'event payload: a JSON object')
    .option('--agent <id>', 'agent that signs the event', EVENT_WRITER_ID)
    .action(
      action(async (opts: { type: string; payload: string; agent: string }) => {
        // Check the operator's input before the database or the HSM is opened.
        const draft = {
          event_id: randomUUID(),
          event_type: opts.type,
          agent_id: opts.agent,
          signing_key_id: 'unassigned',
          local_timestamp: systemClock.now(),
          payload: parseJsonText(opts.payload, '--payload'),
        };
        const body = parseSignedBody(draft);
        return withStack(
          'archon72 events append',
          async (stack) => {
            await requireMigrated(stack);
            await provisionKeys(stack);
            const deps = { registry: stack.registry, custody: stack.custody(), keys: stack.keys };
            const key = await ensureAgentKey(body.agentId, deps, stack.clock.now());
            const submission = await signSubmission({ ...body, signingKeyId: key.keyId }, stack.custody());
            const stored = await stack.appender().append(submission);
            process.stdout.write(`${JSON.stringify(toEventJson(stored), null, 2)}\n`);
          },
          { custody: true },
        );
      }),
    );

  events
    .command('tail')
    .description('print the last events, oldest first, one JSON object per line')
    .addOption(new Option('-n, --lines <count>', 'how many events').default(10).argParser(parseCount))
    .action(
      action(async (opts: { lines: number }) =>
        withStack('archon72 events tail', async (stack) => {
          await requireMigrated(stack);
          for (const event of await stack.store.readLatest(opts.lines)) process.stdout.write(`${JSON.stringify(toEventJson(event))}\n`);
          return EXIT.ok;
        }),
      ),
    );
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 10_000) throw new InvalidArgumentError(`-n must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`);
  return n;
}
