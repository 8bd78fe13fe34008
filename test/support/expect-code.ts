import { expect } from 'vitest';
import type { AppError, ErrorCode } from '../../src/domain/errors.js';

type ErrorClass = abstract new (...args: never[]) => AppError;

/**
 * Asserts that calling `fn` throws synchronously an instance of `cls` carrying `code` (sigstore-js `toThrowWithCode`),
 * and returns the error so a test can check `details`. Branches on code, never on message. For promises use
 * expectRejection.
 */
export function expectCode(fn: () => unknown, cls: ErrorClass, code: ErrorCode): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${cls.name} ${code}, nothing was thrown`).toBeDefined();
  expect(caught).toBeInstanceOf(cls);
  expect((caught as AppError).code).toBe(code);
  return caught as AppError;
}
