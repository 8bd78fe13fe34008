import { describe, it } from 'vitest';
import { createRedisHaltChannel } from '../../../src/adapters/redis/redis-halt-channel.js';
import { ConfigError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';

// Refused before any connection is made, so no Redis is needed.
describe('createRedisHaltChannel options', () => {
  it.each([
    ['a URL that is not redis://', { url: 'http://127.0.0.1:6379' }],
    ['a zero poll interval', { url: 'redis://127.0.0.1:6379', pollMs: 0 }],
    ['a negative connect timeout', { url: 'redis://127.0.0.1:6379', connectTimeoutMs: -1 }],
  ])('rejects %s with CONFIG_INVALID', async (_, options) => {
    await expectRejection(createRedisHaltChannel(options), ConfigError, 'CONFIG_INVALID');
  });
});
