import { eventStoreContract } from '../../contracts/event-store.contract.js';
import { postgresBackend } from '../../support/services.js';

eventStoreContract('postgresql', postgresBackend('PgEventStore contract'));
