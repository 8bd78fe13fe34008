import { keyLifecycleContract } from '../../contracts/key-lifecycle.contract.js';
import { postgresBackend } from '../../support/services.js';

keyLifecycleContract('postgresql', postgresBackend('key lifecycle'));
