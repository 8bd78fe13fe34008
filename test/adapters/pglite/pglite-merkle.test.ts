import { merkleContract } from '../../contracts/merkle.contract.js';

merkleContract('pglite', async () => ({ kind: 'pglite' }));
