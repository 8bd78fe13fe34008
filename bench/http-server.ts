/**
 * The server `npm run bench:http` measures when the built `archon72 serve` does not serve the observer routes yet
 * (src/main.ts wires them separately). It composes the service as src/main.ts's runServer does (openStack with
 * custody and halt, key provisioning, the halt guard started, buildApp with the same services) and adds
 * `observer`; it skips pre-operational verification, which the seeding step's fresh log does not need. Run as a
 * child process: `tsx bench/http-server.ts` with the serve environment (ARCHON72_DATA_DIR, DEV_MODE, API_PORT…);
 * prints `listening on PORT` once it answers, and closes cleanly on SIGTERM.
 */
import { buildApp } from '../src/api/app.js';
import { openStack, provisionKeys } from '../src/compose.js';
import { parseConfig } from '../src/app/config.js';
import { createPgEventQuery } from '../src/adapters/postgres/pg-event-query.js';

const config = parseConfig(process.env);
const stack = await openStack(config, 'bench:http server', { custody: true, halt: true });
await provisionKeys(stack);
await stack.haltGuard().start();
const app = buildApp(
  {
    appender: stack.appender(),
    hsmMode: stack.custody().mode,
    pingDatabase: async () => void (await stack.client.query('SELECT 1')),
    halt: {
      service: stack.haltService(),
      guard: stack.haltGuard(),
      state: stack.haltState,
      adminTokenSha256: config.adminTokenSha256,
      channel: stack.haltChannel(),
      requireChannel: stack.requireHaltChannel,
    },
    metrics: stack.metrics.registry,
    observer: { query: createPgEventQuery(stack.client) },
  },
  { logLevel: config.logLevel },
);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => stack.close())
    .then(() => process.exit(0));
});
await app.listen({ host: config.apiHost, port: config.apiPort });
process.stdout.write(`listening on ${config.apiPort}\n`);
