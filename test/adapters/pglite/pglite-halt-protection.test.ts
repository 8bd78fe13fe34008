import { haltProtectionContract } from '../../contracts/halt-protection.contract.js';

haltProtectionContract('pglite', async () => ({ kind: 'pglite' }));
