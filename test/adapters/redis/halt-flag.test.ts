import { describe, it, expect } from 'vitest';
import { parseHaltFlag } from '../../../src/adapters/redis/halt-flag.js';

describe('parseHaltFlag', () => {
  it.each(['true', 'TRUE', ' True\n', '1', 'yes', 'YES'])('reads %j as halted', (value) => {
    expect(parseHaltFlag(value)).toBe(true);
  });

  it.each([null, undefined, '', 'false', '0', 'no', 'halted', 'true!', 't r u e'])('reads %j as not halted', (value) => {
    expect(parseHaltFlag(value)).toBe(false);
  });
});
