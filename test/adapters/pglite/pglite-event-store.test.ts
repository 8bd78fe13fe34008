import { eventStoreContract } from '../../contracts/event-store.contract.js';

eventStoreContract('pglite', async () => ({ kind: 'pglite' }));
