import { governanceContract } from '../../contracts/governance.contract.js';
import { postgresBackend } from '../../support/services.js';

governanceContract('postgresql', postgresBackend('governance'));
