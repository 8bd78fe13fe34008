import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROSTER_PATH, loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { DeliberationError, InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

const REPO_ROSTER = fileURLToPath(new URL('../../../data/conclave/roster.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'archon72-roster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function rejects(path: string): DeliberationError {
  const err = expectCode(() => loadRoster(path), DeliberationError, 'DELIBERATION_ROSTER_INVALID') as DeliberationError;
  expect(err.message.startsWith(`${path}: `)).toBe(true);
  expect(err.details?.path).toBe(path);
  return err;
}

describe('loadRoster', () => {
  describe('with no path', () => {
    it('reads data/conclave/roster.json from the package root', () => {
      expect(DEFAULT_ROSTER_PATH).toBe(REPO_ROSTER);
      const roster = loadRoster();
      expect(roster.archons).toHaveLength(72);
      expect(roster.archons[0]?.id).toBe('ARCHON:asmoday');
    });
  });

  describe('with the path of a valid roster', () => {
    it('returns the parsed roster', () => {
      const path = write('valid.json', readFileSync(REPO_ROSTER));
      expect(loadRoster(path).secretaries.map((a) => a.id)).toEqual(['ARCHON:andrealphus', 'ARCHON:caim']);
    });
  });

  describe('when the file is missing', () => {
    it('throws DELIBERATION_ROSTER_INVALID naming the path, with the fs error as cause', () => {
      const err = rejects(join(dir, 'absent.json'));
      expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    });
  });

  describe('when the path is a directory', () => {
    it('throws DELIBERATION_ROSTER_INVALID naming the path', () => {
      const err = rejects(dir);
      expect((err.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    });
  });

  describe('when the file is not UTF-8 JSON', () => {
    it.each([
      ['a syntax error', '{"archons": ['],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
    ])('throws DELIBERATION_ROSTER_INVALID for %s, keeping the InputError as cause', (_, content) => {
      const err = rejects(write('broken.json', content));
      expect(err.cause).toBeInstanceOf(InputError);
      expect((err.cause as InputError).code).toBe('INPUT_INVALID_JSON');
    });
  });

  describe('when the file is JSON but not a valid roster', () => {
    it('throws DELIBERATION_ROSTER_INVALID keeping the entry and field in details', () => {
      const document = JSON.parse(readFileSync(REPO_ROSTER, 'utf8')) as { archons: Array<{ rank: string }> };
      document.archons[0]!.rank = 'Emperor';
      const err = rejects(write('bad-rank.json', JSON.stringify(document)));
      expect(err.details).toEqual({ index: 0, id: 'ARCHON:bael', field: 'rank', path: err.details?.path });
      expect(err.message).toContain('roster archons[0] (ARCHON:bael): rank');
      expect(err.cause).toBeInstanceOf(DeliberationError);
    });
  });
});
