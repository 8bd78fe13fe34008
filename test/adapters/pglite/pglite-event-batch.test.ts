import { eventBatchContract } from '../../contracts/event-batch.contract.js';

eventBatchContract('pglite', async () => ({ kind: 'pglite' }));
