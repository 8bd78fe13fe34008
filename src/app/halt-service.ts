import { randomUUID } from 'node:crypto';
import { AppError, HaltError, StoreError } from '../domain/errors.js';
import { timestampToMillis } from '../domain/chain/timestamp.js';
import { Keyring } from '../domain/signing/keyring.js';
import { verifyKeeperQuorum, verifySignedStatement, type KeeperStatement, type SignedKeeperStatement } from '../domain/signing/keeper-statement.js';
import { haltSequenceOf, parseHaltClearStatement, parseHaltTriggerStatement, requireHaltReason } from '../domain/halt/halt-statements.js';
import { eventWriterSubmission } from './system-events.js';
import { keeperQuorum } from './keeper-registration.js';
import type { JsonObject } from '../domain/chain/canonical-json.js';
import type { StoredEvent } from '../domain/chain/event.types.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import type { AppendEffect, Clock, HaltChannel, HaltRecord, HaltStateStore, KeyCustody, KeyRegistry } from './ports.js';
import type { EventAppender } from './event-appender.js';
import type { KeyCache } from './key-cache.js';

export interface HaltServiceDeps {
  state: HaltStateStore;
  channel: HaltChannel;
  appender: EventAppender;
  registry: KeyRegistry;
  keys: KeyCache;
  custody: KeyCustody;
  clock: Clock;
  verify: Ed25519Verify;
  /** Where failures that must not stop a halt are reported (the channel being down, say). */
  warn: (message: string, err: unknown) => void;
}

export interface HaltRequest {
  reason: string;
  /** What raised it: api, keeper, redis, verification, cli, … */
  source: string;
  /** Who: admin, KEEPER:{name}, SYSTEM:{service}, redis-cli … */
  actor: string;
  /** Record nothing when the database is already halted (several instances saw the same operator's halt). */
  onlyIfNotHalted?: boolean;
}

/**
 * Raising and clearing halts (CT-11). A halt is recorded canonically in the database, as a halt.triggered event and
 * the halt_state row in one transaction, then mirrored on the fast channel, then announced to this instance's
 * guard. Halting is never refused: when the event cannot be signed or witnessed, the row is raised without it; when
 * the database cannot be reached the channel and this instance still halt, and the error is reported.
 * Clearing needs a ceremony: a clear statement signed by a quorum of distinct active keepers.
 */
export class HaltService {
  private readonly listeners: Array<(record: HaltRecord, source: string | undefined) => void> = [];

  constructor(private readonly deps: HaltServiceDeps) {}

  /** Calls `listener` after every halt raised or cleared through this service. */
  onChange(listener: (record: HaltRecord, source: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Halts the system. Resolves with the canonical state afterwards. Throws HaltError HALT_REASON_REQUIRED for a
   * missing reason, or StoreError STORE_UNAVAILABLE when the database could not record it (the channel and this
   * instance are halted all the same).
   */
  async halt(request: HaltRequest): Promise<HaltRecord> {
    const reason = requireHaltReason(request.reason);
    const at = this.deps.clock.now();
    const effect: AppendEffect = { kind: 'raise-halt', reason, source: request.source, haltedBy: request.actor };
    let record: HaltRecord;
    try {
      await this.appendSystem('halt.triggered', { reason, source: request.source, halted_by: request.actor }, effect, request.onlyIfNotHalted === true);
      record = await this.deps.state.read();
    } catch (err) {
      if (err instanceof StoreError && err.code === 'STORE_UNAVAILABLE') {
        // Halt over degrade: every instance that can hear the channel stops, even though the database cannot say so.
        await this.mirror({ reason, source: request.source, at });
        this.announce(localHalt(reason, request.source, request.actor, at), request.source);
        throw err;
      }
      if (!(err instanceof AppError)) throw err;
      // The event could not be signed, witnessed or stored (custody down, pool below floor, …): halt without it.
      this.deps.warn(`halt recorded without a halt.triggered event (${err.code})`, err);
      record = await this.deps.state.raiseWithoutEvent(`${reason} [recorded without a halt.triggered event: ${err.code}]`, request.source, request.actor);
    }
    // Mirror the reason as recorded, so every instance can tell this flag from a new halt after a clear.
    await this.mirror({ reason: record.halted ? (record.reason ?? reason) : reason, source: request.source, at: record.haltedAt ?? at });
    this.announce(record, request.source);
    return record;
  }

  /**
   * Halts on a keeper's signed command (any single active keeper may halt): a halt.trigger statement, verified
   * against the keeper's key active now and within its validity window.
   */
  async haltByKeeper(signed: SignedKeeperStatement): Promise<HaltRecord> {
    const now = this.deps.clock.now();
    const statement = parseHaltTriggerStatement(signed.statement, timestampToMillis(now));
    verifySignedStatement(signed, new Keyring(await this.deps.registry.listKeeperKeys()), now, this.deps.verify);
    return this.halt({ reason: statement.reason, source: 'keeper', actor: signed.keeperId });
  }

  /**
   * Clears the halt by ceremony: `statement` (halt.clear) signed by at least minimum_keeper_quorum distinct keepers,
   * each with a key active at the statement's issued_at. Records halt.cleared with the signatures and clears
   * halt_state in one transaction (migration 007 re-checks the quorum), then clears the channel.
   * Throws HaltError HALT_NOT_HALTED, HALT_CEREMONY_INVALID, HALT_CEREMONY_EXPIRED, HALT_CEREMONY_REPLAYED, or
   * SignatureError SIG_INVALID when the quorum is not met.
   */
  async clear(statementInput: KeeperStatement, signatures: readonly SignedKeeperStatement[]): Promise<{ record: HaltRecord; event: StoredEvent }> {
    const now = this.deps.clock.now();
    const statement = parseHaltClearStatement(statementInput, timestampToMillis(now));
    const used = await this.deps.state.clearEventSequence(statement.ceremony_id);
    if (used !== undefined) {
      throw new HaltError({ code: 'HALT_CEREMONY_REPLAYED', message: `ceremony ${statement.ceremony_id} was already used (halt.cleared at sequence ${used}); a ceremony clears one halt`, details: { sequence: used } });
    }
    const current = await this.deps.state.read();
    if (!current.halted) throw new HaltError({ code: 'HALT_NOT_HALTED', message: 'the system is not halted, so there is nothing to clear' });
    const expected = haltSequenceOf(current);
    if (statement.halt_sequence !== expected) {
      throw new HaltError({
        code: 'HALT_CEREMONY_INVALID',
        message: `the statement clears the halt at sequence ${statement.halt_sequence}, but the current halt is at sequence ${expected}`,
        details: { field: 'halt_sequence', expected },
      });
    }
    const quorum = await keeperQuorum(this.deps.registry);
    const keeperKeys = new Keyring(await this.deps.registry.listKeeperKeys());
    const keepers = verifyKeeperQuorum(signatures, statement, keeperKeys, statement.issued_at, quorum, this.deps.verify);
    const counted = signatures.filter((s) => keepers.includes(s.keeperId));
    const event = await this.appendSystem(
      'halt.cleared',
      {
        ceremony_id: statement.ceremony_id,
        halt_sequence: statement.halt_sequence,
        reason: statement.reason,
        statement,
        keepers: counted.map((s) => ({ keeper_id: s.keeperId, key_id: s.keyId, signature: s.signature })),
      },
      { kind: 'clear-halt', ceremonyId: statement.ceremony_id },
      false,
    );
    if (event === undefined) throw new Error('halt.cleared was not stored'); // only onlyIfNotHalted skips, and it is false here
    const record = await this.deps.state.read();
    try {
      await this.deps.channel.clear();
    } catch (err) {
      this.deps.warn('the halt was cleared in the database but the channel could not be cleared; instances re-read the database', err);
    }
    this.announce(record, undefined);
    return { record, event };
  }

  private async appendSystem(eventType: string, payload: JsonObject, effect: AppendEffect, skipIfHalted: boolean): Promise<StoredEvent | undefined> {
    return this.deps.appender.appendExclusive(await eventWriterSubmission(this.deps, eventType, payload), effect, { skipIfHalted });
  }

  private async mirror(signal: { reason: string; source: string; at: string }): Promise<void> {
    try {
      await this.deps.channel.raise(signal);
    } catch (err) {
      this.deps.warn('the halt could not be published on the halt channel; instances will see it in the database', err);
    }
  }

  private announce(record: HaltRecord, source: string | undefined): void {
    for (const listener of this.listeners) listener(record, source);
  }
}

/** The state this instance assumes when the database could not record a halt. */
function localHalt(reason: string, source: string, actor: string, at: string): HaltRecord {
  return {
    halted: true,
    reason,
    source,
    haltedBy: actor,
    haltedAt: at,
    clearedAt: undefined,
    haltEventSequence: undefined,
    haltedAfterSequence: undefined,
    ceremonyId: undefined,
  };
}

/** A fresh clear statement for the current halt (what `archon72 halt ceremony create` prints). */
export function newClearStatement(halt: Pick<HaltRecord, 'haltEventSequence' | 'haltedAfterSequence'>, reason: string, issuedAt: string, expiresAt: string): KeeperStatement {
  return {
    type: 'halt.clear',
    ceremony_id: randomUUID(),
    halt_sequence: haltSequenceOf(halt),
    reason: requireHaltReason(reason),
    issued_at: issuedAt,
    expires_at: expiresAt,
    nonce: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', ''),
  };
}
