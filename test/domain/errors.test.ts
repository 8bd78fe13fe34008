import { describe, expect, it } from 'vitest';
import { AppError, ChainError, ConfigError, CustodyError, InputError, SignatureError, StoreError, WitnessError } from '../../src/domain/errors.js';

describe('AppError subclasses', () => {
  const cases = [
    [InputError, 'INPUT_FIELD_INVALID'],
    [ChainError, 'CHAIN_SEQUENCE_GAP'],
    [SignatureError, 'SIG_INVALID'],
    [StoreError, 'STORE_UNAVAILABLE'],
    [CustodyError, 'CUSTODY_KEY_NOT_FOUND'],
    [WitnessError, 'WITNESS_POOL_EMPTY'],
    [ConfigError, 'CONFIG_INVALID'],
  ] as const;

  describe.each(cases)('%o', (ErrorClass, code) => {
    it('carries code, message and details, is an AppError and an Error, and is named after its class', () => {
      const err = new (ErrorClass as new (o: { code: string; message: string; details?: Record<string, unknown> }) => AppError)({ code, message: 'm', details: { k: 1 } });
      expect(err).toBeInstanceOf(ErrorClass);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.message).toBe('m');
      expect(err.details).toEqual({ k: 1 });
      expect(err.name).toBe(ErrorClass.name);
    });
  });

  describe('when constructed with a cause', () => {
    it('keeps it as the standard Error cause', () => {
      const cause = new Error('driver said no');
      expect(new StoreError({ code: 'STORE_UNAVAILABLE', message: 'down', cause }).cause).toBe(cause);
    });
  });

  describe('when constructed without a cause or details', () => {
    it('has neither', () => {
      const err = new ChainError({ code: 'CHAIN_SEQUENCE_GAP', message: 'gap' });
      expect('cause' in err).toBe(false);
      expect(err.details).toBeUndefined();
    });
  });
});
