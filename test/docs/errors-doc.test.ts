import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { httpStatus } from '../../src/api/errors.js';
import { toStoreError } from '../../src/adapters/postgres/store-errors.js';

// docs/errors.md must list every error code exactly once (STYLE.md §3), as Fastify's errors test does for Errors.md.
const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/errors.md', root), 'utf8');

/** The body of the `## title` section: from its heading to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${title}`);
  if (start < 0) throw new Error(`docs/errors.md has no "## ${title}" section`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Cells of each table body row in `text` (header and separator rows skipped), trimmed. */
function tableRows(text: string): string[][] {
  const rows = text
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .map((line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim()));
  return rows.filter((cells, i) => i > 0 && !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

/** The text between backticks when a cell is exactly one code span, else undefined. */
function codeSpan(cell: string | undefined): string | undefined {
  return /^`([^`]+)`$/.exec(cell ?? '')?.[1];
}

const errorRows = tableRows(section(doc, 'Error codes'));
const documentedCodes = errorRows.map((cells) => codeSpan(cells[0]));
const knownCodes = Object.keys(httpStatus);

const sqlstateRows = tableRows(section(doc, 'Database SQLSTATEs'));

/** Every custom SQLSTATE a migration raises (`ERRCODE = 'A72nn'`). */
function sqlstatesInMigrations(): Set<string> {
  const dir = new URL('migrations/', root);
  const states = new Set<string>();
  for (const file of readdirSync(fileURLToPath(dir)).filter((f) => f.endsWith('.sql'))) {
    const sql = readFileSync(new URL(file, dir), 'utf8');
    for (const match of sql.matchAll(/ERRCODE\s*=\s*'([0-9A-Z]{5})'/g)) states.add(match[1] as string);
  }
  return states;
}

describe('docs/errors.md', () => {
  describe('the error code table', () => {
    it('has one code per row, written as a code span', () => {
      expect(errorRows.length).toBeGreaterThan(0);
      const malformed = errorRows.filter((cells) => codeSpan(cells[0]) === undefined).map((cells) => cells[0]);
      expect(malformed, 'rows whose first cell is not a single `CODE`').toEqual([]);
    });

    it('documents every code in httpStatus', () => {
      const missing = knownCodes.filter((code) => !documentedCodes.includes(code));
      expect(missing, 'codes without a row in docs/errors.md').toEqual([]);
    });

    it('documents no code that no longer exists', () => {
      const gone = documentedCodes.filter((code) => code !== undefined && !knownCodes.includes(code));
      expect(gone, 'rows for codes missing from ErrorCode / httpStatus').toEqual([]);
    });

    it('lists each code once', () => {
      const duplicates = documentedCodes.filter((code, i) => documentedCodes.indexOf(code) !== i);
      expect(duplicates).toEqual([]);
    });

    it('gives each code the HTTP status of httpStatus', () => {
      const wrong = errorRows
        .map((cells) => ({ code: codeSpan(cells[0]) as keyof typeof httpStatus, documented: cells[2] }))
        .filter(({ code }) => code in httpStatus)
        .filter(({ code, documented }) => documented !== String(httpStatus[code]))
        .map(({ code, documented }) => `${code}: documented ${documented}, httpStatus ${httpStatus[code]}`);
      expect(wrong, 'rows whose HTTP status differs from httpStatus').toEqual([]);
    });

    it('gives each code a meaning and an action', () => {
      const empty = errorRows.filter((cells) => cells.length < 4 || !cells[1] || !cells[3]).map((cells) => cells[0]);
      expect(empty).toEqual([]);
    });
  });

  describe('the SQLSTATE table', () => {
    const documented = sqlstateRows.map((cells) => codeSpan(cells[0]));

    it('documents exactly the SQLSTATEs the migrations raise', () => {
      expect(new Set(documented)).toEqual(sqlstatesInMigrations());
      expect(documented.length).toBe(new Set(documented).size);
    });

    it('names the StoreError code toStoreError maps each SQLSTATE to', () => {
      for (const cells of sqlstateRows) {
        const sqlstate = codeSpan(cells[0]) as string;
        const converted = toStoreError({ code: sqlstate, message: 'refused by a trigger' }, 'test');
        expect(codeSpan(cells.at(-1)), `StoreError code for ${sqlstate}`).toBe(converted.code);
        expect(converted.details?.sqlstate).toBe(sqlstate);
      }
    });
  });
});
