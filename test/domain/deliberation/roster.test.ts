import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RANKS, RANK_COUNTS, type Archon } from '../../../src/domain/deliberation/archon.js';
import { BRANCHES, parseRoster, speakingOrder } from '../../../src/domain/deliberation/roster.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

interface Document {
  archons: Array<Record<string, unknown> & { persona: Record<string, unknown> }>;
}

// The real roster (data/conclave/roster.json); malformed cases are small mutations of a fresh copy of it.
const REAL: Document = JSON.parse(readFileSync(new URL('../../../data/conclave/roster.json', import.meta.url), 'utf8')) as Document;
const copy = (): Document => structuredClone(REAL);
const indexOf = (name: string): number => REAL.archons.findIndex((a) => a.name === name);

function rejects(document: unknown): DeliberationError {
  return expectCode(() => parseRoster(document), DeliberationError, 'DELIBERATION_ROSTER_INVALID') as DeliberationError;
}

describe('parseRoster', () => {
  describe('given data/conclave/roster.json', () => {
    const roster = parseRoster(copy());

    it('holds the 72 with the exact count of each rank', () => {
      expect(roster.archons).toHaveLength(72);
      for (const rank of RANKS) expect(roster.archons.filter((a) => a.rank === rank)).toHaveLength(RANK_COUNTS[rank]);
    });

    it('names the traditional Kings and the one Knight', () => {
      const kings = roster.archons.filter((a) => a.rank === 'King').map((a) => a.name);
      expect(kings).toEqual(['Asmoday', 'Bael', 'Balam', 'Beleth', 'Belial', 'Paimon', 'Purson', 'Vine', 'Zagan']);
      expect(roster.archons.filter((a) => a.rank === 'Knight').map((a) => a.name)).toEqual(['Furcas']);
    });

    it('gives each archon the id ARCHON:<lowercase name>, a known branch and a full persona', () => {
      for (const a of roster.archons) {
        expect(a.id).toBe(`ARCHON:${a.name.toLowerCase()}`);
        expect(BRANCHES).toContain(a.branch);
        expect(a.persona.redLines.length).toBeGreaterThanOrEqual(1);
        expect(a.persona.persuadedBy.length).toBeGreaterThanOrEqual(1);
      }
      expect(new Set(roster.archons.map((a) => a.id)).size).toBe(72);
    });

    it('has two secretaries, in speaking order', () => {
      expect(roster.secretaries.map((a) => [a.name, a.rank, a.role])).toEqual([
        ['Andrealphus', 'Marquis', 'secretary'],
        ['Caim', 'President', 'secretary'],
      ]);
    });

    it('finds an archon by id, and nothing for an unknown id', () => {
      expect(roster.byId('ARCHON:vine')?.name).toBe('Vine');
      expect(roster.byId('ARCHON:lucifer')).toBeUndefined();
    });

    it('returns frozen lists built from fresh objects', () => {
      const input = copy();
      const parsed = parseRoster(input);
      expect(Object.isFrozen(parsed.archons)).toBe(true);
      expect(Object.isFrozen(parsed.secretaries)).toBe(true);
      input.archons[0]!.name = 'Changed';
      expect(parsed.byId('ARCHON:bael')?.name).toBe('Bael');
    });
  });

  describe('when the document is not a roster object', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['a string', 'archons'],
    ])('throws DELIBERATION_ROSTER_INVALID for %s', (_, document) => {
      expect(rejects(document).details).toEqual({ field: 'document' });
    });

    it('throws DELIBERATION_ROSTER_INVALID for a member other than archons', () => {
      const err = rejects({ ...copy(), version: 1 });
      expect(err.details).toEqual({ field: 'version' });
      expect(err.message).toContain('"version"');
    });

    it('throws DELIBERATION_ROSTER_INVALID when archons is missing or not an array', () => {
      expect(rejects({}).details).toEqual({ field: 'archons' });
      expect(rejects({ archons: {} }).details).toEqual({ field: 'archons' });
    });

    it('throws DELIBERATION_ROSTER_INVALID for 71 or 73 entries', () => {
      const short = copy();
      short.archons.pop();
      expect(rejects(short).message).toContain('exactly 72 entries, not 71');
      const long = copy();
      long.archons.push(long.archons[0]!);
      expect(rejects(long).message).toContain('not 73');
    });
  });

  describe('when one entry is malformed', () => {
    // [case, entry index, mutation, details.field, the id the message names (undefined: none)]
    type Mutation = (entry: Document['archons'][number]) => void;
    const VINE = indexOf('Vine');
    const cases: Array<[string, number, Mutation, string, string | undefined]> = [
      ['an unknown member', VINE, (e) => (e.colour = 'violet'), 'colour', 'ARCHON:vine'],
      ['a missing name', VINE, (e) => delete e.name, 'name', 'ARCHON:vine'],
      ['a name that is not a string', VINE, (e) => (e.name = 7), 'name', 'ARCHON:vine'],
      ['an empty name', VINE, (e) => (e.name = ''), 'name', 'ARCHON:vine'],
      ['a name over 32 characters', VINE, (e) => (e.name = 'V' + 'i'.repeat(32)), 'name', 'ARCHON:vine'],
      ['a name with surrounding whitespace', VINE, (e) => (e.name = 'Vine '), 'name', 'ARCHON:vine'],
      ['a name with a control character', VINE, (e) => (e.name = 'Vi\u0007ne'), 'name', 'ARCHON:vine'],
      ['a name with a lone surrogate', VINE, (e) => (e.name = 'Vi\ud800ne'), 'name', 'ARCHON:vine'],
      ['a name outside the name grammar', VINE, (e) => (e.name = 'Viné'), 'name', 'ARCHON:vine'],
      ['a missing id', VINE, (e) => delete e.id, 'id', undefined],
      ['an id without the ARCHON: prefix', VINE, (e) => (e.id = 'AGENT:vine'), 'id', 'AGENT:vine'],
      ['an id outside the identifier grammar', VINE, (e) => (e.id = 'ARCHON:vi ne'), 'id', undefined],
      ['an id that is not ARCHON:<lowercase name>', VINE, (e) => (e.id = 'ARCHON:Vine'), 'id', 'ARCHON:Vine'],
      ['an unknown rank', VINE, (e) => (e.rank = 'Emperor'), 'rank', 'ARCHON:vine'],
      ['an unknown branch', VINE, (e) => (e.branch = 'finance'), 'branch', 'ARCHON:vine'],
      ['a missing role', VINE, (e) => delete e.role, 'role', 'ARCHON:vine'],
      ['a role that is not kebab-case', VINE, (e) => (e.role = 'Inspector General'), 'role', 'ARCHON:vine'],
      ['a persona that is not an object', VINE, (e) => (e.persona = [] as never), 'persona', 'ARCHON:vine'],
      ['an unknown persona member', VINE, (e) => (e.persona.mood = 'grim'), 'persona.mood', 'ARCHON:vine'],
      ['a missing goal', VINE, (e) => delete e.persona.goal, 'persona.goal', 'ARCHON:vine'],
      ['an epistemicMethod over 400 characters', VINE, (e) => (e.persona.epistemicMethod = 'x'.repeat(401)), 'persona.epistemicMethod', 'ARCHON:vine'],
      ['a voice that is not a string', VINE, (e) => (e.persona.voice = ['calm']), 'persona.voice', 'ARCHON:vine'],
      ['redLines that are not an array', VINE, (e) => (e.persona.redLines = 'none'), 'persona.redLines', 'ARCHON:vine'],
      ['no redLines', VINE, (e) => (e.persona.redLines = []), 'persona.redLines', 'ARCHON:vine'],
      ['four redLines', VINE, (e) => (e.persona.redLines = ['a', 'b', 'c', 'd']), 'persona.redLines', 'ARCHON:vine'],
      ['a blank persuadedBy item', VINE, (e) => (e.persona.persuadedBy = ['Evidence.', ' ']), 'persona.persuadedBy[1]', 'ARCHON:vine'],
      ['a persuadedBy item over 240 characters', VINE, (e) => (e.persona.persuadedBy = ['y'.repeat(241)]), 'persona.persuadedBy[0]', 'ARCHON:vine'],
    ];

    it.each(cases)('throws DELIBERATION_ROSTER_INVALID for %s, naming the entry and field', (_, index, mutate, field, id) => {
      const document = copy();
      mutate(document.archons[index]!);
      const err = rejects(document);
      expect(err.details).toEqual(id === undefined ? { index, field } : { index, id, field });
      expect(err.message).toMatch(new RegExp(`^roster archons\\[${index}\\]${id === undefined ? ':' : ` \\(${id}\\):`}`));
      expect(err.message).toContain(field.split('[')[0]!);
    });

    it('throws DELIBERATION_ROSTER_INVALID for an entry that is not an object, naming its index', () => {
      const document = copy();
      (document.archons as unknown[])[3] = 'Samigina';
      const err = rejects(document);
      expect(err.details).toEqual({ index: 3, field: 'entry' });
      expect(err.message).toMatch(/^roster archons\[3\]: entry /);
    });

    it('throws DELIBERATION_ROSTER_INVALID for a hole in a sparse array, naming its index', () => {
      const document = copy();
      delete (document.archons as unknown[])[5];
      expect(rejects(document).details).toEqual({ index: 5, field: 'entry' });
    });
  });

  describe('when the entries break a roster-wide rule', () => {
    it('throws DELIBERATION_ROSTER_INVALID for a repeated archon, naming the later entry', () => {
      const document = copy();
      document.archons[1] = structuredClone(document.archons[0]!);
      expect(rejects(document).details).toEqual({ index: 1, id: 'ARCHON:bael', field: 'id' });
    });

    it('throws DELIBERATION_ROSTER_INVALID when a rank count is off', () => {
      const document = copy();
      document.archons[indexOf('Murmur')]!.rank = 'Earl';
      const err = rejects(document);
      expect(err.details).toEqual({ field: 'rank', rank: 'Duke' });
      expect(err.message).toContain('22 archons hold rank Duke');
    });

    it.each([
      ['one', (d: Document) => (d.archons[indexOf('Caim')]!.role = 'digest-writer'), '1'],
      ['three', (d: Document) => (d.archons[indexOf('Foras')]!.role = 'secretary'), '3'],
    ])('throws DELIBERATION_ROSTER_INVALID for %s secretaries', (_, mutate, count) => {
      const document = copy();
      mutate(document);
      const err = rejects(document);
      expect(err.details).toEqual({ field: 'role' });
      expect(err.message).toContain(`not ${count}`);
    });
  });
});

describe('speakingOrder', () => {
  const ordered = parseRoster(copy()).archons;

  it('starts with Asmoday, the first King by name, and ends with Furcas, the Knight', () => {
    expect(ordered[0]?.name).toBe('Asmoday');
    expect(ordered.at(-1)?.name).toBe('Furcas');
  });

  it('goes tier by tier in RANKS order, alphabetically (by code units) within each tier', () => {
    expect([...new Set(ordered.map((a) => a.rank))]).toEqual([...RANKS]);
    for (let i = 1; i < ordered.length; i++) {
      const [a, b] = [ordered[i - 1]!, ordered[i]!];
      const tier = RANKS.indexOf(a.rank) - RANKS.indexOf(b.rank);
      expect(tier < 0 || (tier === 0 && a.name < b.name), `${a.name} before ${b.name}`).toBe(true);
    }
  });

  it('gives the same order whatever the input order, without changing the input', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...ordered], { minLength: ordered.length }), (shuffled) => {
        const before = [...shuffled];
        expect(speakingOrder(shuffled)).toEqual(ordered);
        expect(shuffled).toEqual(before);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the input order of archons with the same rank and name', () => {
    const a: Archon = { ...ordered[0]!, role: 'first' };
    const b: Archon = { ...ordered[0]!, role: 'second' };
    expect(speakingOrder([a, b]).map((x) => x.role)).toEqual(['first', 'second']);
    expect(speakingOrder([b, a]).map((x) => x.role)).toEqual(['second', 'first']);
  });
});
