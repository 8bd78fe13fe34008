import type { Command } from 'commander';
import { action, loadConfig } from './run-command.js';
import { runServer } from '../main.js';

/** `archon72 serve [--migrate]`: runs the HTTP service until SIGTERM/SIGINT. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP service (API_HOST:API_PORT)')
    .option('--migrate', 'apply pending migrations first instead of refusing to start', false)
    .action(action(async (opts: { migrate: boolean }) => runServer(loadConfig(), { migrate: opts.migrate })));
}
