import { governanceContract } from '../../contracts/governance.contract.js';

governanceContract('pglite', async () => ({ kind: 'pglite' }));
