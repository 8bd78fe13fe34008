import { describe, expect, it } from 'vitest';
import {
  haltSequenceOf,
  isHaltRecordEventType,
  MAX_CLEAR_LIFETIME_MS,
  MAX_HALT_REASON,
  parseHaltClearStatement,
  parseHaltTriggerStatement,
  requireHaltReason,
} from '../../../src/domain/halt/halt-statements.js';
import { HaltError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import type { KeeperStatement } from '../../../src/domain/signing/keeper-statement.js';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const ISSUED = '2026-11-27T11:55:00.000000Z';
const NONCE = 'ab'.repeat(16);

const clear = (overrides: Record<string, unknown> = {}): KeeperStatement => ({
  type: 'halt.clear',
  ceremony_id: '018f3a00-0000-7000-8000-00000000c1ea',
  halt_sequence: 42,
  reason: 'fault investigated and fixed',
  issued_at: ISSUED,
  expires_at: '2026-11-27T12:55:00.000000Z',
  nonce: NONCE,
  ...overrides,
});
const trigger = (overrides: Record<string, unknown> = {}): KeeperStatement => ({
  type: 'halt.trigger',
  reason: 'signature mismatch reported by an observer',
  issued_at: ISSUED,
  expires_at: '2026-11-27T12:10:00.000000Z',
  nonce: NONCE,
  ...overrides,
});

describe('requireHaltReason', () => {
  it('trims and accepts 1–1000 characters', () => {
    expect(requireHaltReason('  disk corrupted  ')).toBe('disk corrupted');
    expect(requireHaltReason('x'.repeat(MAX_HALT_REASON))).toHaveLength(MAX_HALT_REASON);
  });
  it.each([[undefined], [''], ['   '], [42], ['x'.repeat(MAX_HALT_REASON + 1)]])('refuses %j with HALT_REASON_REQUIRED', (reason) => {
    expectCode(() => requireHaltReason(reason), HaltError, 'HALT_REASON_REQUIRED');
  });
});

describe('parseHaltClearStatement', () => {
  it('accepts a well-formed statement inside its window', () => {
    expect(parseHaltClearStatement(clear(), NOW).ceremony_id).toBe('018f3a00-0000-7000-8000-00000000c1ea');
  });

  it.each<[string, Record<string, unknown>]>([
    ['type', { type: 'halt.trigger' }],
    ['ceremony_id', { ceremony_id: 'not-a-uuid' }],
    ['halt_sequence', { halt_sequence: -1 }],
    ['halt_sequence', { halt_sequence: '42' }],
    ['halt_sequence', { halt_sequence: 1.5 }],
    ['issued_at', { issued_at: '2026-11-27T11:55:00Z' }],
    ['expires_at', { expires_at: 7 }],
    ['nonce', { nonce: 'short' }],
    ['expires_at', { expires_at: ISSUED }],
    ['expires_at', { expires_at: new Date(Date.parse('2026-11-27T11:55:00Z') + MAX_CLEAR_LIFETIME_MS + 1000).toISOString().replace('Z', '000Z') }],
    ['issued_at', { issued_at: '2026-11-27T12:30:00.000000Z', expires_at: '2026-11-27T13:00:00.000000Z' }],
  ])('refuses a bad %s, naming it', (field, change) => {
    const err = expectCode(() => parseHaltClearStatement(clear(change), NOW), HaltError, 'HALT_CEREMONY_INVALID');
    expect(err.details).toEqual({ field });
  });

  it('refuses a missing reason', () => {
    expectCode(() => parseHaltClearStatement(clear({ reason: '' }), NOW), HaltError, 'HALT_REASON_REQUIRED');
  });

  it('refuses an expired statement, saying when it expired', () => {
    const err = expectCode(() => parseHaltClearStatement(clear(), Date.parse('2026-11-27T12:55:00.000Z')), HaltError, 'HALT_CEREMONY_EXPIRED');
    expect(err.message).toContain('2026-11-27T12:55:00.000000Z');
  });

  it('tolerates a keeper clock a little ahead', () => {
    expect(() => parseHaltClearStatement(clear({ issued_at: '2026-11-27T12:04:00.000000Z' }), NOW)).not.toThrow();
  });
});

describe('parseHaltTriggerStatement', () => {
  it('accepts a halt command valid for at most an hour', () => {
    expect(parseHaltTriggerStatement(trigger(), NOW).reason).toBe('signature mismatch reported by an observer');
  });
  it('refuses a standing order (longer than an hour), another type, or no reason', () => {
    expectCode(() => parseHaltTriggerStatement(trigger({ expires_at: '2026-11-27T13:00:00.000000Z' }), NOW), HaltError, 'HALT_CEREMONY_INVALID');
    expectCode(() => parseHaltTriggerStatement(trigger({ type: 'halt.clear' }), NOW), HaltError, 'HALT_CEREMONY_INVALID');
    expectCode(() => parseHaltTriggerStatement(trigger({ reason: undefined }), NOW), HaltError, 'HALT_REASON_REQUIRED');
  });
});

describe('haltSequenceOf and isHaltRecordEventType', () => {
  it('names the halt.triggered event, else the head when the halt was raised, else 0', () => {
    expect(haltSequenceOf({ haltEventSequence: 9, haltedAfterSequence: 9 })).toBe(9);
    expect(haltSequenceOf({ haltEventSequence: undefined, haltedAfterSequence: 7 })).toBe(7);
    expect(haltSequenceOf({ haltEventSequence: undefined, haltedAfterSequence: undefined })).toBe(0);
  });
  it('lets only the halt’s own records and revocations through while halted', () => {
    expect(['halt.triggered', 'halt.cleared', 'key.revoked'].every(isHaltRecordEventType)).toBe(true);
    expect(isHaltRecordEventType('motion.proposed')).toBe(false);
  });
});
