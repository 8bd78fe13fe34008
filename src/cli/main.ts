import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerEvents } from './events.js';
import { registerKeeper } from './keeper.js';
import { registerMigrate } from './migrate.js';
import { registerServe } from './serve.js';
import { registerVerifyDb } from './verify-db.js';
import { registerKeys } from './keys.js';
import { registerWitness } from './witness.js';
import { registerHalt } from './halt.js';
import { registerConclave } from './conclave.js';
import { EXIT } from './run-command.js';
import { useNodeSha256 } from '../adapters/crypto/node-sha256.js';

// Every command hashes with Node's native SHA-256 (the domain's portable one is for the browser): first, before
// any module computes a hash.
useNodeSha256();

const pkg = JSON.parse(readFileSync(new URL('../../' + (import.meta.url.includes('/dist/src/') ? '../' : '') + 'package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('archon72')
  .description('Archon 72 Conclave Backend: constitutional event log')
  .version(pkg.version)
  .exitOverride((err) => {
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });

registerMigrate(program);
registerEvents(program);
registerVerifyDb(program);
(await import('./verify.js')).registerVerify(program);
registerServe(program);
registerKeys(program);
registerWitness(program);
registerHalt(program);
registerKeeper(program);
registerConclave(program);

await program.parseAsync(process.argv);
