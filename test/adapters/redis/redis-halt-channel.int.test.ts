import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisHaltChannel } from '../../../src/adapters/redis/redis-halt-channel.js';
import { haltChannelContract } from '../../contracts/halt-channel.contract.js';
import { REDIS_TEST_URL, shouldRunRedis } from '../../support/services.js';

// Each test gets a key prefix of its own, so tests (and other suites on the same server) never share a flag.
haltChannelContract('redis', async () => {
  if (!(await shouldRunRedis('RedisHaltChannel contract'))) return undefined;
  const keyPrefix = `archon72-test:${randomBytes(6).toString('hex')}:halt:`;
  return {
    kind: 'redis',
    open: () => createRedisHaltChannel({ url: REDIS_TEST_URL, keyPrefix }),
    async remove() {
      const client = new Redis(REDIS_TEST_URL);
      try {
        await client.del(`${keyPrefix}active`, `${keyPrefix}reason`);
      } finally {
        client.disconnect();
      }
    },
  };
});
