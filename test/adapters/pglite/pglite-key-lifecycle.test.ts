import { keyLifecycleContract } from '../../contracts/key-lifecycle.contract.js';

keyLifecycleContract('pglite', async () => ({ kind: 'pglite' }));
