import { merkleContract } from '../../contracts/merkle.contract.js';
import { postgresBackend } from '../../support/services.js';

merkleContract('postgresql', postgresBackend('merkle'));
