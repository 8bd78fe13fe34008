import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chooseRedTeam } from '../../../src/domain/deliberation/red-team.js';
import { sha256Hex } from '../../../src/domain/encoding/sha256.js';
import type { Seat } from '../../../src/domain/deliberation/session-events.js';
import { id, SEATS } from './drive-session.js';

const rankOf = (archon: string) => (SEATS.find((s) => s.id === archon) as Seat).rank;

/** The rule written out once more, independently: ranks by key, then the smallest-keyed archon of each. */
function reference(present: readonly Seat[], size: number, seed: string): string[] {
  const key = (text: string) => sha256Hex(`${seed}/red-team/${text}`);
  const byKey = (a: string, b: string) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const ranks = [...new Set(present.map((s) => s.rank))].sort(byKey).slice(0, size);
  const chosen = ranks.map((rank) => present.filter((s) => s.rank === rank).map((s) => s.id).sort(byKey)[0]);
  return present.map((s) => s.id).filter((archon) => chosen.includes(archon));
}

describe('chooseRedTeam', () => {
  describe('given all 72 present and a size of 5', () => {
    const team = chooseRedTeam(SEATS, 5, 'seed-0001');

    it('chooses 5 archons of 5 distinct ranks', () => {
      expect(team).toHaveLength(5);
      expect(new Set(team.map(rankOf)).size).toBe(5);
    });

    it('returns them in speaking order', () => {
      const order = SEATS.map((s) => s.id);
      expect([...team].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(team);
    });

    it('follows the seeded rule', () => {
      expect(team).toEqual(reference(SEATS, 5, 'seed-0001'));
    });
  });

  describe('given the same seed and present archons twice', () => {
    it('chooses the same team; another seed may choose another', () => {
      expect(chooseRedTeam(SEATS, 5, 'seed-a')).toEqual(chooseRedTeam([...SEATS], 5, 'seed-a'));
      const teams = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((s) => chooseRedTeam(SEATS, 5, `seed-${s}`).join()));
      expect(teams.size).toBeGreaterThan(1);
    });
  });

  describe('given fewer ranks present than the size', () => {
    it('chooses one archon of each rank present', () => {
      const present = SEATS.filter((s) => s.rank === 'King' || s.rank === 'Knight' || s.id === id('Caim'));
      const team = chooseRedTeam(present, 5, 'seed-0001');
      expect(team.map(rankOf).sort()).toEqual(['King', 'Knight', 'President']);
      expect(team).toContain(id('Caim'));
      expect(team).toContain(id('Furcas'));
      expect(team).toEqual(reference(present, 5, 'seed-0001'));
    });
  });

  describe('given no one present', () => {
    it('chooses no one', () => {
      expect(chooseRedTeam([], 5, 'seed-0001')).toEqual([]);
    });
  });

  describe('for any seed, size and present subset', () => {
    it('chooses min(size, ranks present) archons of distinct ranks, by the seeded rule (property)', () => {
      fc.assert(
        fc.property(fc.string(), fc.integer({ min: 1, max: 9 }), fc.subarray(SEATS), (seed, size, present) => {
          const team = chooseRedTeam(present, size, seed);
          expect(team).toHaveLength(Math.min(size, new Set(present.map((s) => s.rank)).size));
          expect(new Set(team.map(rankOf)).size).toBe(team.length);
          expect(team).toEqual(reference(present, size, seed));
        }),
        { numRuns: 50 },
      );
    });
  });
});
