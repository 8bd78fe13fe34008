import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { keyPairFromSeed, signEd25519 } from '../../src/adapters/crypto/sodium-ed25519.js';
import { toBase64, toHex } from '../../src/domain/encoding/bytes.js';
import { keeperStatementMessage, type KeeperStatement, type SignedKeeperStatement } from '../../src/domain/signing/keeper-statement.js';
import type { TestStack } from './test-stack.js';

/** A keeper of the tests: its id, the key id it registers under, and an Ed25519 key pair. */
export interface TestKeeper {
  keeperId: string;
  keyId: string;
  publicKey: Uint8Array;
  secretKey: Buffer;
}

/** KEEPER:{name} with key id keeper-{name} and the Ed25519 key pair of the seed of 32 bytes `n`: the same keeper every run. */
export function createTestKeeper(name: string, n: number): TestKeeper {
  return { keeperId: `KEEPER:${name}`, keyId: `keeper-${name}`, ...keyPairFromSeed(new Uint8Array(32).fill(n)) };
}

/** `statement` signed by keeper `k` as the service expects it (keeperStatementMessage, pure Ed25519). */
export function signAs(k: TestKeeper, statement: KeeperStatement): SignedKeeperStatement {
  return { statement, keeperId: k.keeperId, keyId: k.keyId, signature: toBase64(signEd25519(k.secretKey, keeperStatementMessage(statement))) };
}

/** A syntactically valid signature: the database checks shape, count and key windows, never Ed25519 (migration 008). */
export const PLACEHOLDER_SIGNATURE = 'A'.repeat(86) + '==';

/**
 * Registers a keeper key the way migration 008 requires, without the service's signature checks: a
 * keeper.key_registered event first (a bootstrap while fewer than a quorum of keepers exist, else approved by
 * `approvers` with placeholder signatures), then the keeper_keys row. For tests of database rules only.
 */
export async function registerKeeperByHand(
  stack: TestStack,
  keeper: { keeperId: string; keyId: string; publicKey: Uint8Array },
  approvers: Array<{ keeperId: string; keyId: string }> = [],
): Promise<void> {
  const statement = { type: 'keeper.key_registration', keeper_id: keeper.keeperId, key_id: keeper.keyId, public_key: toHex(keeper.publicKey) };
  const payload = {
    keeper_id: keeper.keeperId,
    key_id: keeper.keyId,
    public_key: toHex(keeper.publicKey),
    bootstrap: approvers.length === 0,
    approvals: approvers.map((a) => ({ statement, keeper_id: a.keeperId, key_id: a.keyId, signature: PLACEHOLDER_SIGNATURE })),
  };
  await stack.appender.append(await stack.submission({ eventType: 'keeper.key_registered', payload }));
  await stack.registry.registerKeeperKey({ agentId: keeper.keeperId, keyId: keeper.keyId, publicKey: keeper.publicKey });
}

/**
 * Registers KEEPER:alice and KEEPER:bob (the bootstrap quorum) the way operators do: each keeper makes a key and a
 * self-signed request on a machine of their own (no database), then `archon72 keeper register` runs with `env`.
 * Production servers refuse to start without a quorum of keepers (pre-operational verification).
 */
export function registerKeeperQuorumByCli(env: Record<string, string>, dir: string): void {
  const passphrase = join(dir, 'keeper-passphrase');
  writeFileSync(passphrase, 'a passphrase long enough\n', { mode: 0o600 });
  const keeperMachine = { ARCHON72_DATA_DIR: join(dir, 'keeper-machine'), DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' };
  for (const name of ['alice', 'bob']) {
    const key = join(dir, `${name}.key`);
    const request = join(dir, `${name}.request.json`);
    for (const args of [
      ['keeper', 'keygen', '--keeper', `KEEPER:${name}`, '--out', key, '--passphrase-file', passphrase],
      ['keeper', 'request', '--key', key, '--out', request, '--passphrase-file', passphrase],
    ]) {
      const made = runCli(args, keeperMachine);
      if (made.status !== 0) throw new Error(`archon72 ${args.slice(0, 2).join(' ')} failed: ${made.stderr}`);
    }
    const registered = runCli(['keeper', 'register', '--request', request], env);
    if (registered.status !== 0) throw new Error(`archon72 keeper register ${name} failed: ${registered.stderr}`);
  }
}
