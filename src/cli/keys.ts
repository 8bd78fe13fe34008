import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, withStack, EXIT } from './run-command.js';
import { provisionKeys, requireMigrated, requireNotHalted, type Stack } from '../compose.js';
import { generateAgentKey, revokeKey, rotateAgentKey } from '../app/key-lifecycle.js';
import { buildPublicKeySet, type PublicKeyEntry } from '../domain/signing/public-key-set.js';
import { toHex } from '../domain/encoding/bytes.js';
import type { PublicKeyRecord } from '../domain/signing/key.types.js';

/** The registry's keys, agent and keeper, with recorded revocations, as the public key set document. */
async function publicKeySet(stack: Stack) {
  const [agentKeys, keeperKeys, revocations] = await Promise.all([stack.registry.listKeys(), stack.registry.listKeeperKeys(), stack.registry.listRevocations()]);
  return buildPublicKeySet([...agentKeys, ...keeperKeys], revocations, stack.clock.now());
}

function keyLine(key: PublicKeyRecord): string {
  return `${key.agentId} ${key.keyId} public_key=${toHex(key.publicKey)} active_from=${key.activeFrom}${key.activeUntil ? ` active_until=${key.activeUntil}` : ''}`;
}

function entryLine(k: PublicKeyEntry): string {
  const flags = [k.development ? 'DEV' : '', k.revocation ? `REVOKED@${k.revocation.sequence}` : ''].filter(Boolean).join(',');
  return [k.actor_id.padEnd(28), k.key_id.padEnd(38), k.active_from, (k.active_until ?? 'open').padEnd(27), flags].join('  ').trimEnd();
}

/** `archon72 keys generate|list|rotate|revoke|export-public`. */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('the key registry: agent, system and witness keys in custody; keeper keys (read-only here)');

  keys
    .command('generate')
    .description('generate a key for an actor in key custody (HSM, or dev keys in DEV_MODE) and register it')
    .requiredOption('--agent <id>', 'actor: agent-{uuid}, SYSTEM:{service} or WITNESS:{id}')
    .option('--json', 'print the key as JSON')
    .action(
      action(async (opts: { agent: string; json?: boolean }) =>
        withStack(
          'archon72 keys generate',
          async (stack) => {
            await requireMigrated(stack);
            await requireNotHalted(stack);
            const key = await generateAgentKey(stack.systemEventDeps(), opts.agent);
            process.stdout.write(opts.json ? `${JSON.stringify(buildPublicKeySet([key], [], stack.clock.now()).keys[0])}\n` : `registered ${keyLine(key)}\n`);
          },
          { custody: true },
        ),
      ),
    );

  keys
    .command('list')
    .description('list every registered key (agent, system, witness, keeper), open or closed')
    .option('--agent <id>', 'only this actor')
    .option('--json', 'print JSON lines')
    .action(
      action(async (opts: { agent?: string; json?: boolean }) =>
        withStack('archon72 keys list', async (stack) => {
          await requireMigrated(stack);
          const entries = (await publicKeySet(stack)).keys.filter((k) => opts.agent === undefined || k.actor_id === opts.agent);
          for (const entry of entries) process.stdout.write(`${opts.json ? JSON.stringify(entry) : entryLine(entry)}\n`);
          return EXIT.ok;
        }),
      ),
    );

  keys
    .command('rotate')
    .description('generate a new key in custody and open it at the instant the actor’s current key closes')
    .requiredOption('--agent <id>', 'actor whose key to rotate')
    .action(
      action(async (opts: { agent: string }) =>
        withStack(
          'archon72 keys rotate',
          async (stack) => {
            await requireMigrated(stack);
            await requireNotHalted(stack);
            const { closed, opened } = await rotateAgentKey(stack.systemEventDeps(), opts.agent);
            process.stdout.write(`closed ${keyLine(closed)}\nopened ${keyLine(opened)}\n`);
          },
          { custody: true },
        ),
      ),
    );

  keys
    .command('revoke')
    .description('revoke a key for compromise: close it now and record a key.revoked event')
    .argument('<key-id>', 'the key to revoke')
    .requiredOption('--reason <text>', 'why the key is revoked (recorded in the log)')
    .option('--replace', 'open a replacement key in custody at the same instant (agent, system and witness keys)', false)
    .action(
      action(async (keyId: string, opts: { reason: string; replace: boolean }) =>
        withStack(
          'archon72 keys revoke',
          async (stack) => {
            await requireMigrated(stack);
            await provisionKeys(stack);
            const result = await revokeKey(stack.systemEventDeps(), keyId, { reason: opts.reason, replace: opts.replace });
            process.stdout.write(`revoked ${keyLine(result.revoked)}\nrecorded key.revoked at sequence ${result.event.sequence}\n`);
            if (result.replacement) process.stdout.write(`opened ${keyLine(result.replacement)}\n`);
          },
          { custody: true },
        ),
      ),
    );

  keys
    .command('export-public')
    .description('write every public key with its validity window and revocation as JSON (what an offline verifier needs)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      action(async (opts: { out?: string }) =>
        withStack('archon72 keys export-public', async (stack) => {
          await requireMigrated(stack);
          const text = `${JSON.stringify(await publicKeySet(stack), null, 2)}\n`;
          if (opts.out === undefined) process.stdout.write(text);
          else writeFileSync(opts.out, text, { flag: 'wx' });
          return EXIT.ok;
        }),
      ),
    );
}
