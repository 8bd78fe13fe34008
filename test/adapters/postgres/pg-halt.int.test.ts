import { haltContract } from '../../contracts/halt.contract.js';
import { postgresBackend } from '../../support/services.js';

haltContract('postgresql', postgresBackend('halt'));
