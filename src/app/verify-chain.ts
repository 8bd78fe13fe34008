import { verifyStoredEvent } from '../domain/verify-stored-event.js';
import { Keyring } from '../domain/signing/keyring.js';
import { AppError, InputError } from '../domain/errors.js';
import type { ChainLink } from '../domain/chain/event.types.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import type { ErrorCode } from '../domain/errors.js';
import type { EventStore, KeyRegistry } from './ports.js';

/** Events read per round trip while verifying. */
const PAGE_SIZE = 1000;

export interface ChainFault {
  sequence: number;
  code: ErrorCode;
  message: string;
}

export interface ChainVerificationReport {
  /** First and last sequence of the requested range that exists in the log (0 when the log is empty). */
  from: number;
  to: number;
  /** Events that passed every check. */
  verified: number;
  /** The first event that failed, if any; verification stops there. */
  fault: ChainFault | undefined;
}

export interface VerifyChainDeps {
  store: EventStore;
  registry: KeyRegistry;
  verify: Ed25519Verify;
  /** False in production (DEV_MODE=false): an event signed or attested by a development key is a fault. */
  allowDevelopmentKeys: boolean;
}

/**
 * Re-verifies stored events from `from` to `to` (default: the whole log) exactly as an outside verifier would:
 * continuity, recomputed content_hash, both signatures against the keys active at authority time, and witness
 * selection. The event before `from` is the trusted anchor of a partial range. Reads page by page, so memory
 * stays flat for any log size; `onProgress(verified, total)` is called after each page.
 * Throws InputError INPUT_FIELD_INVALID for a bad range, StoreError when the store cannot be read.
 */
export async function verifyChain(
  deps: VerifyChainDeps,
  range: { from?: number; to?: number } = {},
  onProgress?: (verified: number, total: number) => void,
): Promise<ChainVerificationReport> {
  const head = await deps.store.head();
  const from = range.from ?? 1;
  const to = Math.min(range.to ?? Number.MAX_SAFE_INTEGER, head?.sequence ?? 0);
  if (!Number.isSafeInteger(from) || from < 1) throw new InputError({ code: 'INPUT_FIELD_INVALID', message: '--from must be a sequence ≥ 1' });
  if (range.to !== undefined && (!Number.isSafeInteger(range.to) || range.to < from)) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: '--to must be a sequence ≥ --from' });
  }
  if (head === undefined || from > to) return { from: 0, to: 0, verified: 0, fault: undefined };

  const keyring = new Keyring(await deps.registry.listKeys());
  let prev: ChainLink | undefined = from > 1 ? (await deps.store.readRange(from - 1, from - 1, 1))[0] : undefined;
  let verified = 0;
  for (let next = from; next <= to; ) {
    const page = await deps.store.readRange(next, to, PAGE_SIZE);
    if (page.length === 0) {
      return { from, to, verified, fault: { sequence: next, code: 'CHAIN_SEQUENCE_GAP', message: `FR82: sequence ${next} is missing` } };
    }
    for (const event of page) {
      try {
        verifyStoredEvent(prev, event, keyring, deps.verify, { allowDevelopmentKeys: deps.allowDevelopmentKeys });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        // Errors name the sequence where the chain breaks (for a gap, the missing one) in details.sequence.
        const sequence = typeof err.details?.sequence === 'number' ? err.details.sequence : event.sequence;
        return { from, to, verified, fault: { sequence, code: err.code, message: err.message } };
      }
      prev = event;
      verified++;
    }
    next = (prev?.sequence ?? next) + 1;
    onProgress?.(verified, to - from + 1);
  }
  return { from, to, verified, fault: undefined };
}
