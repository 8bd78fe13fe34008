import type { RunbookCommand } from '../support/runbook.js';

/** How a runnable runbook command is run, and where. */
export type RunnableKind =
  | 'sql' // a statement of an ```sql block: psql -c against the stack's database
  | 'psql'
  | 'pg_dump'
  | 'pg_restore'
  | 'curl'
  | 'redis-cli'
  | 'archon72' // npx archon72 … / node bin/archon72.js …
  | 'archon72 synopsis' // `npx archon72 keys generate|list|…`: each alternative must be a command (checked with --help)
  | 'serve' // `npx archon72 serve --migrate`: the stack's own server is started with exactly these arguments
  | 'softhsm2-util'
  | 'export';

export type CommandClass =
  | { runnable: true; kind: RunnableKind; /** The test file that runs it, when not runbook-commands.e2e.test.ts. */ runBy?: string }
  | { runnable: false; reason: string };

/** Programs whose commands cannot run on a development machine or in CI without Docker or a cloud account. */
export const NOT_RUNNABLE_PROGRAMS: Readonly<Record<string, string>> = {
  docker: 'needs Docker, which the development machines and CI do not have',
  'docker-compose': 'needs Docker, which the development machines and CI do not have',
  kubectl: 'needs a Kubernetes cluster',
  helm: 'needs a Kubernetes cluster',
  aws: 'needs a cloud account',
  gcloud: 'needs a cloud account',
  az: 'needs a cloud account',
  terraform: 'needs a cloud account',
  git: 'talks to a remote repository',
  make: 'runs the Makefile targets (Appendix C): CI runs make lint, make check-imports and make test; make dev starts Docker Compose',
  npm: 'installs from the package registry or runs a package script (npm start serves the embedded database on port 8000)',
};

/** Programs whose commands the runbook tests run. */
const RUNNABLE_PROGRAMS: Readonly<Record<string, RunnableKind>> = {
  psql: 'psql',
  pg_dump: 'pg_dump',
  pg_restore: 'pg_restore',
  curl: 'curl',
  'redis-cli': 'redis-cli',
  'softhsm2-util': 'softhsm2-util',
  export: 'export',
};

/** Runbook sections whose commands another test runs, with that test. */
const RUN_ELSEWHERE: Readonly<Record<string, string>> = {
  '10.3': 'test/operations/backup-restore.e2e.test.ts',
};

/**
 * What kind of command `command` is: runnable here (and how), or not, and why; undefined when no rule covers it,
 * which the classification test reports so that no new runbook command is skipped silently.
 */
export function classifyRunbookCommand(command: RunbookCommand): CommandClass | undefined {
  const found = classify(command);
  const runBy = RUN_ELSEWHERE[command.section];
  return found?.runnable && runBy !== undefined ? { ...found, runBy } : found;
}

function classify(command: RunbookCommand): CommandClass | undefined {
  if (command.lang === 'sql') return { runnable: true, kind: 'sql' };
  const { assignments, words } = splitCommand(command.text);
  const program = words[0];
  if (program === undefined) return undefined;
  const notRunnable = NOT_RUNNABLE_PROGRAMS[program];
  if (notRunnable !== undefined) return { runnable: false, reason: notRunnable };
  const archon72 = (program === 'npx' && words[1] === 'archon72') || (program === 'node' && words[1] === 'bin/archon72.js');
  if (archon72) {
    if (isSynopsis(command.text)) return { runnable: true, kind: 'archon72 synopsis' };
    if (words[2] !== 'serve') return { runnable: true, kind: 'archon72' };
    if (assignments.some((name) => name.startsWith('HSM_'))) {
      return { runnable: false, reason: 'serves in production with a hardware HSM and independent cosigners (test/e2e/hsm-production.e2e.test.ts serves the same configuration on SoftHSM2)' };
    }
    return { runnable: true, kind: 'serve' };
  }
  const kind = RUNNABLE_PROGRAMS[program];
  return kind === undefined ? undefined : { runnable: true, kind };
}

/** The leading `NAME=value` assignments (names only) and the words after them (quotes are kept). */
export function splitCommand(text: string): { assignments: string[]; words: string[] } {
  // Words as the shell splits them: whitespace inside '…' or "…" does not separate.
  const words = text.replace(/\\\n/g, ' ').match(/(?:'[^']*'|"[^"]*"|[^\s'"])+/g) ?? [];
  const assignments: string[] = [];
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) assignments.push(words.shift()!.split('=')[0]!);
  return { assignments, words };
}

/** Programs a runbook command may pipe into; a `|` before anything else separates alternatives of a synopsis. */
const PIPE_READERS = new Set(['jq', 'head', 'grep', 'tail', 'wc', 'xxd', 'base64', 'sha256sum', 'sort']);

/** True for a synopsis line such as `npx archon72 migrate | serve | verify-db` (alternatives, not a pipeline). */
function isSynopsis(text: string): boolean {
  const segments = text.split('|').slice(1);
  return segments.length > 0 && segments.some((segment) => !PIPE_READERS.has(segment.trim().split(/\s+/)[0] ?? ''));
}

/**
 * Each command a synopsis line stands for, as arguments of archon72: `npx archon72 keys generate|list` gives
 * [['keys', 'generate'], ['keys', 'list']] (an alternative replaces the last word before it); `;` separates
 * synopses on one line.
 */
export function synopsisCommands(text: string): string[][] {
  return text.split(';').flatMap((part) => {
    const [first, ...alternatives] = part.split('|').map((segment) => segment.trim().split(/\s+/));
    const base = first!.slice(2); // after `npx archon72` or `node bin/archon72.js`
    return [base, ...alternatives.map((alternative) => [...base.slice(0, -1), ...alternative])];
  });
}
