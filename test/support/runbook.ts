import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** This implementation's operations runbook. */
export const OUR_RUNBOOK = join(process.cwd(), 'docs', 'operations', 'deployment-runbook.md');

/** Fence languages whose lines are commands; every other fence is a listing or a file (yaml, ini, a tree). */
export const COMMAND_LANGUAGES = ['bash', 'sql'] as const;

/** One command of a fenced `bash` or `sql` block, as operators would paste it. */
export interface RunbookCommand {
  /** The section number of the closest heading above it: '4.1', '10.3', 'C' (Appendix C), '' before any. */
  section: string;
  /** That heading's text, without the leading #s. */
  heading: string;
  /** 1-based line of the runbook where the command starts. */
  line: number;
  lang: (typeof COMMAND_LANGUAGES)[number];
  /**
   * The command: a bash line (with its `\` continuation lines and heredoc, if any) or one SQL statement up to its
   * `;`, without its trailing comment.
   */
  text: string;
  /**
   * What the runbook states about its output: the command's trailing comment, then the comment lines right below
   * it (up to a blank line or the next command), each without its `#` / `--` marker.
   */
  stated: string[];
}

/** A fenced block of the runbook: its language ('' for none), first content line (1-based) and lines. */
export interface RunbookFence {
  lang: string;
  section: string;
  heading: string;
  line: number;
  lines: string[];
}

/** Every fenced block of the runbook, in order, with the section it is in. */
export function runbookFences(file = OUR_RUNBOOK): RunbookFence[] {
  const fences: RunbookFence[] = [];
  let section = '';
  let heading = '';
  let open: RunbookFence | undefined;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (open === undefined && /^#{1,6} /.test(line)) {
        heading = line.replace(/^#+ /, '');
        section = sectionNumber(heading) ?? section;
      } else if (line.startsWith('```')) {
        if (open === undefined) open = { lang: line.slice(3).trim(), section, heading, line: index + 2, lines: [] };
        else {
          fences.push(open);
          open = undefined;
        }
      } else if (open !== undefined) open.lines.push(line);
    });
  if (open !== undefined) throw new Error(`the runbook's fence at line ${open.line - 1} is never closed`);
  return fences;
}

/** '4.1' of '4.1 Run migrations', 'C' of 'Appendix C: Makefile targets'; undefined for a heading without a number. */
function sectionNumber(heading: string): string | undefined {
  return /^(\d+(?:\.\d+)*)\.? /.exec(heading)?.[1] ?? /^Appendix ([A-Z])\b/.exec(heading)?.[1];
}

/** Every command of every `bash` and `sql` block of the runbook, in order. */
export function runbookCommands(file = OUR_RUNBOOK): RunbookCommand[] {
  return runbookFences(file).flatMap((fence) => {
    if (fence.lang === 'bash') return bashCommands(fence);
    if (fence.lang === 'sql') return sqlStatements(fence);
    return [];
  });
}

/** Splits a bash block into command lines: `\` continuations and heredocs belong to their command; `#` lines are comments. */
function bashCommands(fence: RunbookFence): RunbookCommand[] {
  const commands: RunbookCommand[] = [];
  let last: RunbookCommand | undefined;
  for (let i = 0; i < fence.lines.length; i++) {
    const first = fence.lines[i]!;
    if (first.trim() === '') {
      last = undefined;
      continue;
    }
    if (first.trimStart().startsWith('#')) {
      last?.stated.push(first.trimStart().replace(/^#\s?/, ''));
      continue;
    }
    const start = i;
    let text = first;
    while (text.endsWith('\\') && i + 1 < fence.lines.length) text += `\n${fence.lines[++i]!}`;
    const heredoc = /<<-?\s*'?"?(\w+)'?"?/.exec(text)?.[1];
    if (heredoc !== undefined) while (i + 1 < fence.lines.length && fence.lines[i]!.trim() !== heredoc) text += `\n${fence.lines[++i]!}`;
    const [command, comment] = splitTrailingComment(text, '#');
    last = { section: fence.section, heading: fence.heading, line: fence.line + start, lang: 'bash', text: command, stated: comment === undefined ? [] : [comment] };
    commands.push(last);
  }
  return commands;
}

/** Splits an SQL block into statements at `;` (outside quotes); `--` lines below a statement are what it states. */
function sqlStatements(fence: RunbookFence): RunbookCommand[] {
  const statements: RunbookCommand[] = [];
  let last: RunbookCommand | undefined;
  let pending: { line: number; text: string } | undefined;
  fence.lines.forEach((line, index) => {
    if (pending === undefined) {
      if (line.trim() === '') last = undefined;
      else if (line.trimStart().startsWith('--')) last?.stated.push(line.trimStart().replace(/^--\s?/, ''));
      else pending = { line: fence.line + index, text: '' };
    }
    if (pending === undefined) return;
    pending.text += pending.text === '' ? line : `\n${line}`;
    const end = statementEnd(pending.text);
    if (end < 0) return;
    const [rest, comment] = splitTrailingComment(pending.text.slice(end + 1), '--');
    if (rest.trim() !== '') throw new Error(`the runbook's SQL at line ${pending.line} has a second statement on the line of its ;`);
    last = { section: fence.section, heading: fence.heading, line: pending.line, lang: 'sql', text: pending.text.slice(0, end + 1), stated: comment === undefined ? [] : [comment] };
    statements.push(last);
    pending = undefined;
  });
  if (pending !== undefined) throw new Error(`the runbook's SQL at line ${pending.line} has no closing ;`);
  return statements;
}

/** Index of the `;` that ends the first statement of `sql` (outside quotes and `--` comments), or -1. */
function statementEnd(sql: string): number {
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '-' && sql[i + 1] === '-') i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (c === ';') return i;
  }
  return -1;
}

/** [text without its trailing comment, the comment's text] where the comment starts with `marker` outside quotes. */
function splitTrailingComment(text: string, marker: '#' | '--'): [string, string | undefined] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (text.startsWith(marker, i) && (i === 0 || /\s/.test(text[i - 1]!))) {
      return [text.slice(0, i).trimEnd(), text.slice(i + marker.length).trim()];
    }
  }
  return [text.trimEnd(), undefined];
}

/**
 * The values a runbook command runs against. Every placeholder of the runbook maps to one of them in
 * {@link toStackCommand}, the one place where the runbook's text is adapted before it runs.
 */
export interface OperatorStack {
  /** The operator's working directory: files the commands write (keys, dumps, statements) land here. */
  cwd: string;
  /** Environment of every command, on top of PATH: DATABASE_URL, DB_HOST, API_PORT, ADMIN_TOKEN, DEV_MODE, … */
  env: Record<string, string>;
  /** The real names of the runbook's databases `archon72` and `archon72_restored`. */
  databases: { archon72: string; archon72_restored?: string };
  /** host:port of the test PostgreSQL server, for the runbook's `db-host:5432`. */
  pgHostPort: string;
  /** The started server, for `http://api-endpoint` and `localhost:8000`. */
  apiUrl?: string;
  /** The private redis-server that `redis-cli` talks to. */
  redisPort?: number;
}

/** A 32-byte public key for the runbook's `'\x<64 hex digits>'` placeholder. */
export const PLACEHOLDER_PUBLIC_KEY = 'ab'.repeat(32);

/**
 * The runbook's command with its placeholders replaced by the stack's values:
 * - `db-host:5432` → the test server; the databases `archon72` / `archon72_restored` (after `-d `, `DATABASE `
 *   or a URL's `/`) → their real names; `$DB_HOST` stays, from the environment;
 * - `http://api-endpoint` and `localhost:8000` → the started server;
 * - `NAME=…` (a secret the runbook elides) → `NAME="$NAME"`, the stack's value from the environment;
 * - `'\x<64 hex digits>'` → a 32-byte key.
 * `npx archon72` / `node bin/archon72.js` (the built CLI of this checkout) and `redis-cli` (the stack's Redis) are
 * shell functions of {@link runOperatorCommand}, so the text keeps them.
 */
export function toStackCommand(text: string, stack: OperatorStack): string {
  const restored = stack.databases.archon72_restored ?? 'archon72_restored';
  let out = text
    .replaceAll('db-host:5432', stack.pgHostPort)
    .replace(/(-d |DATABASE |\/)archon72(_restored)?(?![\w.=-])/g, (_, before: string, r?: string) => `${before}${r ? restored : stack.databases.archon72}`)
    .replace(/\b([A-Z][A-Z0-9_]*)=…/g, '$1="$$$1"')
    .replaceAll("'\\x<64 hex digits>'", `'\\x${PLACEHOLDER_PUBLIC_KEY}'`);
  if (stack.apiUrl !== undefined) out = out.replaceAll('http://api-endpoint', stack.apiUrl).replaceAll('localhost:8000', stack.apiUrl.replace(/^http:\/\//, ''));
  return out;
}

/** What a runbook command printed and how it exited. */
export interface CommandResult {
  /** The command as it ran (after {@link toStackCommand}). */
  ran: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The shell functions every command runs with: the runbook's programs, pointed at this checkout and the stack. */
const PREAMBLE = `
npx() { if [ "$1" = archon72 ]; then shift; node "$ARCHON72_CLI" "$@"; else echo "npx $1: not run by the runbook test" >&2; return 127; fi; }
redis-cli() { command redis-cli -p "$ARCHON72_TEST_REDIS_PORT" "$@"; }
`;

/**
 * Runs one runbook bash command (after {@link toStackCommand}) with `bash -o pipefail` in the stack's working
 * directory and environment; never throws on a non-zero exit (the caller checks `status`).
 */
export function runOperatorCommand(text: string, stack: OperatorStack, extraEnv: Record<string, string> = {}): CommandResult {
  const ran = toStackCommand(text, stack).replace(/\bnode bin\/archon72\.js\b/g, 'npx archon72');
  const env = { PATH: process.env.PATH ?? '', ARCHON72_CLI: join(process.cwd(), 'bin', 'archon72.js'), ARCHON72_TEST_REDIS_PORT: String(stack.redisPort ?? 0), ...stack.env, ...extraEnv };
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', `${PREAMBLE}\n${ran}`], { cwd: stack.cwd, env, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { ran, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs one runbook SQL statement (after {@link toStackCommand}) with psql against `url`; rows as psql -At prints them. */
export function runOperatorSql(statement: string, stack: OperatorStack, url: string): CommandResult {
  const ran = toStackCommand(statement, stack);
  const result = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-c', ran], { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { ran, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The `curl` command lines of one runbook section (`### 6.1 …` up to the next heading of the same or a higher
 * level), as operators would paste them, each without its trailing `# comment`.
 */
export function runbookCurls(heading: string): string[] {
  const number = heading.replace(/^#+\s*/, '');
  return runbookCommands()
    .filter((command) => command.lang === 'bash' && (command.section === number || command.section.startsWith(`${number}.`)) && command.text.startsWith('curl '))
    .map((command) => command.text);
}

/** Runs a runbook command line with bash, pointed at `url` instead of the runbook's hosts; returns stdout. */
export function runAgainst(command: string, url: string): string {
  const pointed = command.replaceAll('http://api-endpoint', url).replaceAll('localhost:8000', url.replace(/^http:\/\//, ''));
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', pointed], { encoding: 'utf8', timeout: 30_000 });
  // `curl … | head -20` under pipefail: when head has read its lines and exits before curl has written the rest,
  // curl fails with 23 (write error). That is the pipeline working as the operator expects, not a failure; what
  // head printed is still checked.
  const cutByReader = result.status === 23 && /\|\s*head\b/.test(pointed);
  if (result.status !== 0 && !cutByReader) throw new Error(`\`${pointed}\` exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/**
 * A line the runbook states as output, as a pattern: `…` stands for anything (a time, an id, the rest of a JSON
 * object), a lone `N` for a number; everything else is literal. Matches one whole line of the output (indented or not).
 */
export function statedPattern(stated: string): RegExp {
  const escaped = stated.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*${escaped.replace(/…/g, '.*?').replace(/\bN\b/g, '\\d+')}$`, 'm');
}
