import { describe, it, expect } from 'vitest';
import { assertRedisUrl, redactRedisUrl } from '../../../src/adapters/redis/redis-url.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

describe('redactRedisUrl', () => {
  it('removes the password and the query string but keeps host, port, user and database', () => {
    const shown = redactRedisUrl('redis://ops:s3cret@redis.internal:6380/2?password=other');
    expect(shown).toBe('redis://ops@redis.internal:6380/2');
    expect(shown).not.toContain('s3cret');
  });

  it('does not echo a URL it cannot parse', () => {
    expect(redactRedisUrl('::s3cret::')).not.toContain('s3cret');
  });
});

describe('assertRedisUrl', () => {
  it('accepts redis:// and rediss://', () => {
    assertRedisUrl('redis://127.0.0.1:6379');
    assertRedisUrl('rediss://cache.example:6380/1');
  });

  it.each(['http://127.0.0.1:6379', '127.0.0.1:6379', ''])('throws CONFIG_INVALID for %j', (url) => {
    expectCode(() => assertRedisUrl(url), ConfigError, 'CONFIG_INVALID');
  });
});
