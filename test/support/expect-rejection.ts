import { expect } from 'vitest';
import type { AppError, ErrorCode } from '../../src/domain/errors.js';

type ErrorClass = abstract new (...args: never[]) => AppError;

/** Asserts that the promise rejects with an instance of `cls` carrying `code`; returns the error. */
export async function expectRejection(promise: Promise<unknown>, cls: ErrorClass, code: ErrorCode): Promise<AppError> {
  const caught = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught, `expected ${cls.name} ${code}, the promise resolved`).toBeDefined();
  expect(caught).toBeInstanceOf(cls);
  expect((caught as AppError).code).toBe(code);
  return caught as AppError;
}
