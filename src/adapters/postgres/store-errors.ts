import { StoreError } from '../../domain/errors.js';

/** SQLSTATEs raised by our migrations' triggers (see migrations/00*.sql). */
const RULE_STATES: Record<string, string> = {
  A7201: 'hash chain',
  A7202: 'signature format',
  A7203: 'witness attribution',
  A7204: 'signing key',
  A7205: 'append-only',
  A7206: 'key history',
  A7207: 'halt protection',
  A7208: 'witness pool floor',
  A7209: 'key registration',
  A7210: 'halt',
  A7211: 'merkle tree',
};

/** SQLSTATE classes and node error codes that mean the database cannot be reached or the connection died. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

interface DriverError {
  code?: string;
  message?: string;
  constraint?: string;
  detail?: string;
}

/**
 * Converts a driver error (pg or PGlite) into StoreError, keeping the original as `cause`:
 * our trigger rejections and CHECK/NOT NULL violations → STORE_REJECTED with the database's message (which
 * names the rule), unique violations → STORE_CONFLICT, connection failures → STORE_UNAVAILABLE.
 */
export function toStoreError(err: unknown, context: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code in RULE_STATES) {
    return new StoreError({ code: 'STORE_REJECTED', message, details: { rule: RULE_STATES[code], sqlstate: code }, cause: err });
  }
  if (code === '23505') {
    return new StoreError({ code: 'STORE_CONFLICT', message: `${context}: already stored (${e.constraint ?? 'unique key'})`, details: { constraint: e.constraint }, cause: err });
  }
  if (code.startsWith('23') || code.startsWith('22')) {
    return new StoreError({ code: 'STORE_REJECTED', message: `${context}: ${message}`, details: { sqlstate: code }, cause: err });
  }
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || /terminat|connect|closed/i.test(message)) {
    return new StoreError({ code: 'STORE_UNAVAILABLE', message: `${context}: database unavailable (${message})`, cause: err });
  }
  return new StoreError({ code: 'STORE_FAILED', message: `${context}: ${message}`, details: { sqlstate: code || undefined }, cause: err });
}
