import type { FastifyInstance } from 'fastify';
import { readPublicKeySet } from '../../../app/export/read-public-key-set.js';
import { errorBodySchema } from '../../schemas/error-body.js';
import { publicKeySetSchema } from '../../schemas/observer-integrity.js';
import type { Clock, KeyRegistry } from '../../../app/ports.js';

export interface KeysRouteDeps {
  registry: KeyRegistry;
  clock: Clock;
}

/** GET /v1/observer/keys: the public key set, the document `archon72 keys export-public` writes (PROTOCOL.md §9.3). */
export function registerKeysRoute(app: FastifyInstance, deps: KeysRouteDeps): void {
  app.get('/v1/observer/keys', {
    schema: {
      tags: ['observer'],
      summary: 'Every public key, with validity windows and revocations',
      description:
        'Agents, system actors (SYSTEM:EVENT_WRITER, and SYSTEM:LOG which signs checkpoints and export manifests), witnesses and keepers: what an ' +
        'offline verifier needs. As trustworthy as the database it comes from (PROTOCOL.md §8.3): pin it, or compare it with a copy obtained elsewhere.',
      response: { 200: publicKeySetSchema, 500: errorBodySchema, 503: errorBodySchema },
    },
    handler: async () => readPublicKeySet(deps.registry, deps.clock),
  });
}
