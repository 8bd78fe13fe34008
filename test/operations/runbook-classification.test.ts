import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runbookCommands, runbookFences, toStackCommand, COMMAND_LANGUAGES } from '../support/runbook.js';
import { classifyRunbookCommand, synopsisCommands } from './runbook-command-classes.js';

/** Fence languages that hold files or listings, not commands (a tree, YAML, a Makefile, a Dockerfile…). */
const LISTING_LANGUAGES = ['', 'text', 'yaml', 'yml', 'ini', 'conf', 'json', 'dockerfile', 'makefile', 'make', 'toml', 'env'];

const commands = runbookCommands();

/**
 * Every command of the runbook is classified: runnable here (and run by an e2e test) or not, with the reason. A new
 * command no rule covers fails this test, so none can be skipped silently (issue 9 part 3).
 */
describe('the runbook\'s commands', () => {
  it('are found in every bash and sql block, and no command hides in a block of another language', () => {
    expect(commands.length).toBeGreaterThan(50);
    for (const fence of runbookFences()) {
      const known = (COMMAND_LANGUAGES as readonly string[]).includes(fence.lang) || LISTING_LANGUAGES.includes(fence.lang.toLowerCase());
      expect(known, `runbook line ${fence.line - 1}: a \`\`\`${fence.lang} block; commands go in bash or sql blocks`).toBe(true);
    }
  });

  it('are each classified as runnable here or not runnable, with the reason', () => {
    const unclassified = commands.filter((command) => classifyRunbookCommand(command) === undefined).map((c) => `§${c.section} line ${c.line}: ${c.text}`);
    expect(unclassified, 'add a rule in test/operations/runbook-command-classes.ts (and a check in runbook-commands.e2e.test.ts)').toEqual([]);
  });

  it('join a command\'s continuation lines and keep what the runbook states below it', () => {
    const curl = commands.find((c) => c.section === '9.3' && c.text.startsWith('curl -X POST'));
    expect(curl?.text.split('\n')).toHaveLength(3);
    expect(curl?.stated[0]).toMatch(/^\{"halted":true/);
    const lowered = commands.find((c) => c.text === `UPDATE constitutional_config SET value = 5 WHERE key = 'witness_pool_minimum';`);
    expect(lowered?.stated).toEqual(['ERROR:  CT-12: witness_pool_minimum = 5 is below its constitutional floor 6']);
  });

  it('§4.1 applies every migration file in order, and says how many the CLI applies', () => {
    const files = readdirSync(join(process.cwd(), 'migrations')).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort();
    const applied = commands.filter((c) => c.section === '4.1' && c.text.startsWith('psql ')).map((c) => /-f migrations\/(\S+)$/.exec(c.text)?.[1]);
    expect(applied).toEqual(files);
    const migrate = commands.find((c) => c.section === '4.1' && c.text.endsWith('npx archon72 migrate'));
    expect(migrate?.stated.join(' ')).toContain(`… ${files.length} migration(s) applied`);
  });

  it('reads synopsis lines as the commands they stand for', () => {
    expect(synopsisCommands('npx archon72 migrate | serve | verify-db | events append')).toEqual([['migrate'], ['serve'], ['verify-db'], ['events', 'append']]);
    expect(synopsisCommands('npx archon72 halt status|trigger; npx archon72 halt ceremony create|sign')).toEqual([
      ['halt', 'status'],
      ['halt', 'trigger'],
      ['halt', 'ceremony', 'create'],
      ['halt', 'ceremony', 'sign'],
    ]);
  });

  it('point at the stack through one substitution table', () => {
    const stack = { cwd: '/tmp', env: {}, databases: { archon72: 'db_a', archon72_restored: 'db_b' }, pgHostPort: '127.0.0.1:5433', apiUrl: 'http://127.0.0.1:9' };
    expect(toStackCommand('psql -h $DB_HOST -U postgres -d archon72 -f archon72.dump', stack)).toBe('psql -h $DB_HOST -U postgres -d db_a -f archon72.dump');
    expect(toStackCommand('DATABASE_URL=postgresql://postgres@db-host:5432/archon72_restored npx archon72 verify-db', stack)).toBe(
      'DATABASE_URL=postgresql://postgres@127.0.0.1:5433/db_b npx archon72 verify-db',
    );
    expect(toStackCommand('psql -c "CREATE DATABASE archon72;"', stack)).toBe('psql -c "CREATE DATABASE db_a;"');
    expect(toStackCommand('ADMIN_TOKEN=… npx archon72 halt trigger', stack)).toBe('ADMIN_TOKEN="$ADMIN_TOKEN" npx archon72 halt trigger');
    expect(toStackCommand('curl -s http://api-endpoint/v1/health; curl localhost:8000/metrics', stack)).toBe('curl -s http://127.0.0.1:9/v1/health; curl 127.0.0.1:9/metrics');
    expect(toStackCommand("CHECKPOINT_COSIGNERS='w1.example.net/archon72=https://w1'", stack)).toBe("CHECKPOINT_COSIGNERS='w1.example.net/archon72=https://w1'");
  });
});
