import { execFileSync } from 'node:child_process';

/**
 * Runs the real psql client, as an operator would (runbook §4.1, §4.2, §11.4). Returns stdout; throws with
 * psql's stderr when it exits non-zero. `-At` gives unaligned, tuples-only output, one row per line, '|' between columns.
 */
export function psql(url: string, args: string[]): string {
  try {
    return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-q', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`psql failed: ${e.stderr ?? e.message}`);
  }
}

/** Rows of a query as arrays of column strings (psql -At). */
export function psqlRows(url: string, sql: string): string[][] {
  return psql(url, ['-At', '-c', sql])
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('|'));
}
