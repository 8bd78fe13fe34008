import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { action, withStack, EXIT, parseSequence } from './run-command.js';
import { requireMigrated } from '../compose.js';
import { verifyChain } from '../app/verify-chain.js';
import { verifyCheckpointAnchors } from '../app/merkle/checkpoint-anchors.js';
import type { Stack } from '../compose.js';
import type { CheckResult } from '../domain/governance/preoperational.js';

/**
 * `archon72 verify-db [--from N] [--to M] [--full]`: recomputes every hash, checks continuity, verifies both
 * signatures against the keys active at each event's authority time; prints the first bad sequence, halts the system
 * and exits 1 on a fault. `--full` (the whole chain; after a restore, runbook §10.3) then checks the latest checkpoint
 * as startup does: signed by the log key, its root recomputed from the events and equal to merkle_nodes; a failure
 * there exits 1 without halting (startup refuses to serve on it).
 */
export function registerVerifyDb(program: Command): void {
  program
    .command('verify-db')
    .description('verify the hash chain, signatures and witness attestations stored in the database')
    .addOption(new Option('--from <sequence>', 'first sequence to verify').argParser(parseSequence))
    .addOption(new Option('--to <sequence>', 'last sequence to verify').argParser(parseSequence))
    .addOption(
      new Option('--full', 'the whole chain, then the latest checkpoint: its log signature, its root recomputed from the events (after a restore)').conflicts([
        'from',
        'to',
      ]),
    )
    .action(
      action(async (opts: { from?: number; to?: number; full?: boolean }) =>
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
          if (!opts.full) return EXIT.ok;
          const anchors = await checkAnchors(stack);
          process.stdout.write(`${ANCHOR_LABEL[anchors.status]}: ${anchors.check}: ${anchors.detail}\n`);
          return anchors.status === 'failed' ? EXIT.failed : EXIT.ok;
        }),
      ),
    );
}

/** How `--full` prints each outcome of the checkpoint anchors check, like the chain's `OK:` / `FAULT at …:` lines. */
const ANCHOR_LABEL: Record<CheckResult['status'], string> = { passed: 'OK', warning: 'WARNING', skipped: 'SKIPPED', failed: 'FAULT' };

/**
 * Startup's checkpoint anchors check (runbook §6.2) with the constitution's maximum checkpoint age, as of now, and
 * every stored Merkle node compared with the events' (startup compares the root's only).
 */
async function checkAnchors(stack: Stack): Promise<CheckResult> {
  const maxAgeSeconds = (await stack.constitution.settings()).get('checkpoint_max_age_seconds') ?? 3600;
  return verifyCheckpointAnchors(
    { checkpoints: stack.checkpoints, merkle: stack.merkle, store: stack.store, keys: stack.keys, verify: stack.verify, allowDevelopmentKeys: stack.allowDevelopmentKeys },
    { maxAgeSeconds, origin: stack.config.checkpointOrigin, now: stack.clock.now(), everyNode: true },
  );
}
