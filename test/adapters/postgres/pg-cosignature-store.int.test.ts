import { cosignatureStoreContract } from '../../contracts/cosignature-store.contract.js';
import { postgresBackend } from '../../support/services.js';

cosignatureStoreContract('postgresql', postgresBackend('cosignature store'));
