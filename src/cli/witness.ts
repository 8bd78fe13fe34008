import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, withStack, EXIT } from './run-command.js';
import { requireMigrated, requireNotHalted } from '../compose.js';
import { bootstrapWitnessPool, WITNESS_POOL_FLOORS, witnessPoolStatus } from '../app/witness-pool.js';
import { WitnessError } from '../domain/errors.js';
import { toHex } from '../domain/encoding/bytes.js';
import { registerWitnessServe } from './witness-serve.js';

/** `archon72 witness list|bootstrap`, and the checkpoint cosigner's `keygen|serve` (witness-serve.ts). */
export function registerWitness(program: Command): void {
  const witness = program.command('witness').description('the witness pool that attests every event, and the checkpoint cosigner (keygen, serve)');

  witness
    .command('list')
    .description('the witnesses active now (the pool selection draws from) and the pool floors')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { json?: boolean }) =>
        withStack('archon72 witness list', async (stack) => {
          await requireMigrated(stack);
          const status = await witnessPoolStatus(stack, stack.clock.now());
          if (opts.json) {
            const members = status.members.map((m) => ({ witness_id: m.witnessId, key_id: m.key.keyId, public_key: toHex(m.key.publicKey), active_from: m.key.activeFrom, development: m.development }));
            process.stdout.write(`${JSON.stringify({ at: status.at, active: members.length, floors: status.floors, members }, null, 2)}\n`);
          } else {
            for (const m of status.members) process.stdout.write(`${m.witnessId.padEnd(28)}  ${m.key.keyId.padEnd(38)}  ${m.key.activeFrom}${m.development ? '  DEV' : ''}\n`);
            const ok = status.members.length >= status.floors.minimum;
            process.stdout.write(
              `${status.members.length} active witnesses; floor ${status.floors.minimum} (writes), ${status.floors.highStakes} (high-stakes events): ${ok ? 'OK' : 'BELOW FLOOR, writes are refused'}\n`,
            );
          }
          return EXIT.ok;
        }),
      ),
    );

  witness
    .command('bootstrap')
    .description('provision the initial witness pool in key custody (needs WITNESS_BOOTSTRAP_ENABLED=true; refused in production once a pool exists)')
    .addOption(new Option('--count <n>', 'witnesses to provision').default(WITNESS_POOL_FLOORS.highStakes).argParser(parseCount))
    .action(
      action(async (opts: { count: number }) =>
        withStack(
          'archon72 witness bootstrap',
          async (stack) => {
            if (!stack.config.witnessBootstrapEnabled) {
              throw new WitnessError({ code: 'WITNESS_BOOTSTRAP_DISABLED', message: 'witness bootstrap is disabled; run it once with WITNESS_BOOTSTRAP_ENABLED=true, then unset it (runbook §7.1)' });
            }
            await requireMigrated(stack);
            await requireNotHalted(stack);
            const production = !stack.config.devMode;
            const ids = await bootstrapWitnessPool(
              { registry: stack.registry, custody: stack.custody(), keys: stack.keys },
              { count: opts.count, prefix: production ? 'pool-' : 'dev-', onlyIfEmpty: production },
              stack.clock.now(),
            );
            process.stdout.write(`witness pool: ${ids.length} witnesses (${ids[0]} … ${ids[ids.length - 1]})\n`);
            return EXIT.ok;
          },
          { custody: true },
        ),
      ),
    );

  registerWitnessServe(witness);
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < WITNESS_POOL_FLOORS.minimum || n > 1000) {
    throw new InvalidArgumentError(`--count must be a whole number from ${WITNESS_POOL_FLOORS.minimum} to 1000, got ${JSON.stringify(value)}`);
  }
  return n;
}
