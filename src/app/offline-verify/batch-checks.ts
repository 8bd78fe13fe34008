import { Keyring } from '../../domain/signing/keyring.js';
import { InputError } from '../../domain/errors.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { BatchChecks } from './verify-batch.js';
import type { WorkerSetup } from './worker-protocol.js';

/**
 * The checks of a run, built the same way on every thread from the same setup: one Keyring over the keys document
 * (signatures mode) and the leaf hasher when Merkle roots are wanted. Throws InputError INPUT_FIELD_INVALID when
 * signatures mode has no verifier.
 */
export function createBatchChecks(setup: Omit<WorkerSetup, 'verifier' | 'sha256'>, verify: Ed25519Verify | undefined): BatchChecks {
  const { leafHashes } = setup;
  if (setup.mode === 'hashes-only') return { mode: 'hashes-only', leafHashes };
  if (verify === undefined) throw new InputError({ code: 'INPUT_FIELD_INVALID', message: 'verifying signatures needs an Ed25519 verifier' });
  return { mode: 'signatures', keyring: new Keyring(setup.keys), verify, policy: setup.policy, leafHashes };
}
