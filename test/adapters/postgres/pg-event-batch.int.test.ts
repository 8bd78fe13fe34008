import { eventBatchContract } from '../../contracts/event-batch.contract.js';
import { postgresBackend } from '../../support/services.js';

eventBatchContract('postgresql', postgresBackend('agent batch contract'));
