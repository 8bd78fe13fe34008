import type { Command } from 'commander';
import { action, withStack } from './run-command.js';

/** `archon72 migrate`: applies pending migrations in order; idempotent; refuses edited migrations. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (migrations/NNN_*.sql) in order')
    .action(
      action(async () =>
        withStack('archon72 migrate', async (stack) => {
          const applied = await stack.migrator.migrate((version, name) => process.stdout.write(`applied ${version}_${name}.sql\n`));
          process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `${applied.length} migration(s) applied\n`);
        }),
      ),
    );
}
