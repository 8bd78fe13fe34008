import { createInProcessHaltChannel } from '../../../src/adapters/halt/in-process-halt-channel.js';
import { createInProcessHaltStore } from '../../../src/adapters/halt/in-process-halt-store.js';
import { haltChannelContract } from '../../contracts/halt-channel.contract.js';

// Instances of one process share a store, as instances of the service share one Redis.
haltChannelContract('in-process', async () => {
  const store = createInProcessHaltStore();
  return { kind: 'in-process', open: async () => createInProcessHaltChannel(store), remove: async () => undefined };
});
