import { haltContract } from '../../contracts/halt.contract.js';

haltContract('pglite', async () => ({ kind: 'pglite' }));
