import { haltProtectionContract } from '../../contracts/halt-protection.contract.js';
import { postgresBackend } from '../../support/services.js';

haltProtectionContract('postgresql', postgresBackend('halt protection'));
