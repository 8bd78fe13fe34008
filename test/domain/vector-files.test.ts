import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateVectors, renderVectorFile, VECTOR_DIR } from '../../scripts/gen-vectors.js';

// STYLE.md §7: vectors are generated, never edited by hand. Regenerating them here makes a hand edit (or a
// generator change without `npx tsx scripts/gen-vectors.ts`) fail the suite.
describe('test/vectors', () => {
  const generated = generateVectors();
  const names = Object.keys(generated);

  describe('when scripts/gen-vectors.ts regenerates them in memory', () => {
    it.each(names)('%s equals the committed file byte for byte', (name) => {
      expect(readFileSync(join(VECTOR_DIR, name), 'utf8')).toBe(renderVectorFile(generated[name] ?? []));
    });

    it('produces every committed .json file and no other', () => {
      const committed = readdirSync(VECTOR_DIR).filter((f) => f.endsWith('.json'));
      expect(committed.sort()).toEqual([...names].sort());
    });
  });

  describe('each vector', () => {
    const all = names.flatMap((name) => (generated[name] ?? []).map((v) => ({ name, ...v })));

    it('has a description, an input and exactly one of expected and expectedError', () => {
      for (const v of all) {
        expect(typeof v.description, v.description).toBe('string');
        expect(v.input, v.description).toBeDefined();
        expect([v.expected === undefined, v.expectedError === undefined].filter(Boolean), v.description).toHaveLength(1);
      }
    });

    it('names an error in SCREAMING_SNAKE with an area prefix when it expects one', () => {
      const codes = all.flatMap((v) => (v.expectedError === undefined ? [] : [v.expectedError]));
      expect(codes.length).toBeGreaterThan(0);
      for (const code of codes) expect(code).toMatch(/^(INPUT|CHAIN|SIG|WITNESS)_[A-Z_]+$/);
    });
  });

  describe('README.md', () => {
    it('documents every vector file', () => {
      const readme = readFileSync(join(VECTOR_DIR, 'README.md'), 'utf8');
      for (const name of names) expect(readme, name).toContain(name);
    });
  });
});
