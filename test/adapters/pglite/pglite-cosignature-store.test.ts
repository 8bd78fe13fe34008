import { cosignatureStoreContract } from '../../contracts/cosignature-store.contract.js';

cosignatureStoreContract('pglite', async () => ({ kind: 'pglite' }));
