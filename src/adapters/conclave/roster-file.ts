import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRoster, type Roster } from '../../domain/deliberation/roster.js';
import { parseJsonBytes } from '../../domain/encoding/parse-json.js';
import { AppError, DeliberationError } from '../../domain/errors.js';

/**
 * data/conclave/roster.json in the package root, found relative to this file both in src/ (tsx, vitest) and in
 * dist/src/ (the built CLI), as src/main.ts finds package.json. Independent of the working directory.
 */
export const DEFAULT_ROSTER_PATH: string = fileURLToPath(
  new URL('../../../' + (import.meta.url.includes('/dist/src/') ? '../' : '') + 'data/conclave/roster.json', import.meta.url),
);

/**
 * Reads the roster file at `path` (default DEFAULT_ROSTER_PATH) and validates it with parseRoster. Throws
 * DeliberationError DELIBERATION_ROSTER_INVALID, its message starting with the path and details.path set, when
 * the file is missing or unreadable (the fs error is the cause), not UTF-8 JSON, or not a valid roster.
 */
export function loadRoster(path: string = DEFAULT_ROSTER_PATH): Roster {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw rosterError(path, `cannot read the roster file: ${(err as Error).message}`, err);
  }
  try {
    return parseRoster(parseJsonBytes(bytes, 'the roster file'));
  } catch (err) {
    // parseJsonBytes throws InputError INPUT_INVALID_JSON and parseRoster DeliberationError: both are reported as
    // this file's roster being invalid, keeping the original as the cause.
    throw rosterError(path, (err as AppError).message, err);
  }
}

function rosterError(path: string, problem: string, cause: unknown): DeliberationError {
  const details = cause instanceof AppError ? cause.details : undefined;
  return new DeliberationError({ code: 'DELIBERATION_ROSTER_INVALID', message: `${path}: ${problem}`, details: { ...details, path }, cause });
}
