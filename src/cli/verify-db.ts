import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { action, withStack, EXIT, parseSequence } from './run-command.js';
import { requireMigrated } from '../compose.js';
import { verifyChain } from '../app/verify-chain.js';

/**
 * `archon72 verify-db [--from N] [--to M]`: recomputes every hash, checks continuity, verifies both signatures
 * against the keys active at each event's authority time; prints the first bad sequence, halts the system and exits
 * 1 on a fault.
 */
export function registerVerifyDb(program: Command): void {
  program
    .command('verify-db')
    .description('verify the hash chain, signatures and witness attestations stored in the database')
    .addOption(new Option('--from <sequence>', 'first sequence to verify').argParser(parseSequence))
    .addOption(new Option('--to <sequence>', 'last sequence to verify').argParser(parseSequence))
    .action(
      action(async (opts: { from?: number; to?: number }) =>
        withStack('archon72 verify-db', async (stack) => {
          await requireMigrated(stack);
          const bar = new SingleBar(
            { stream: process.stderr, format: 'verifying [{bar}] {value}/{total} events {percentage}% eta {eta_formatted}', noTTYOutput: true, notTTYSchedule: 5000 },
            Presets.legacy,
          );
          let started = false;
          const report = await verifyChain(stack, opts, (verified, total) => {
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(verified);
          });
          if (started) bar.stop();
          if (report.fault) {
            const fault = `FAULT at sequence ${report.fault.sequence}: ${report.fault.code}: ${report.fault.message}`;
            process.stdout.write(`${fault}\nfirst bad sequence: ${report.fault.sequence}\n`);
            // CT-13: a hash or signature mismatch halts the system. This command holds no key to sign a
            // halt.triggered event, so it raises halt_state alone; every instance sees it on its next poll.
            try {
              const state = await stack.haltState.raiseWithoutEvent(`verify-db: ${fault}`, 'verification', 'archon72 verify-db');
              process.stdout.write(`system halted (CT-13): ${state.reason ?? ''}\n`);
            } catch (err) {
              process.stderr.write(`archon72: could not record the halt (${(err as Error).message}); halt the system by hand (runbook §9.3)\n`);
            }
            return EXIT.failed;
          }
          process.stdout.write(
            report.verified === 0 ? 'no events in range\n' : `OK: ${report.verified} events verified (sequence ${report.from}..${report.to})\n`,
          );
          return EXIT.ok;
        }),
      ),
    );
}
