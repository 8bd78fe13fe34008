import { describe, expect, it } from 'vitest';
import { MAX_MOTION_TEXT, MAX_MOTION_TITLE, MOTION_KINDS, motionJson, parseMotion } from '../../../src/domain/deliberation/motion.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

const KING = { title: 'Publish the audit trail', text: 'Publish every audit record.', kind: 'policy', proposer: 'ARCHON:bael' };
const KEEPER = { title: 'Rotate keeper keys', text: 'Rotate all keeper keys yearly.', kind: 'procedural', submitted_by: 'KEEPER:alice' };

function rejects(json: unknown): DeliberationError {
  return expectCode(() => parseMotion(json), DeliberationError, 'DELIBERATION_MOTION_INVALID') as DeliberationError;
}

describe('parseMotion', () => {
  describe("given a King's motion", () => {
    it('reads title, text, kind and proposer', () => {
      expect(parseMotion(KING)).toEqual({ title: KING.title, text: KING.text, kind: 'policy', proposer: 'ARCHON:bael' });
    });
  });

  describe("given a keeper's motion", () => {
    it('reads submitted_by as submittedBy and sets no proposer', () => {
      const motion = parseMotion(KEEPER);
      expect(motion).toEqual({ title: KEEPER.title, text: KEEPER.text, kind: 'procedural', submittedBy: 'KEEPER:alice' });
      expect('proposer' in motion).toBe(false);
    });
  });

  describe('given each kind of motion', () => {
    it.each(MOTION_KINDS)('accepts %s', (kind) => {
      expect(parseMotion({ ...KING, kind }).kind).toBe(kind);
    });
  });

  describe('given a title and text at their maximum lengths', () => {
    it('accepts them', () => {
      const motion = parseMotion({ ...KING, title: 't'.repeat(MAX_MOTION_TITLE), text: 'x'.repeat(MAX_MOTION_TEXT) });
      expect([motion.title.length, motion.text.length]).toEqual([MAX_MOTION_TITLE, MAX_MOTION_TEXT]);
    });
  });

  describe('when the motion is not a JSON object', () => {
    it.each([
      ['null', null],
      ['an array', [KING]],
      ['a string', 'motion'],
      ['a number', 7],
    ])('throws DELIBERATION_MOTION_INVALID for %s, naming the motion', (_, json) => {
      expect(rejects(json).details).toEqual({ field: 'motion' });
    });
  });

  describe('when a field is wrong', () => {
    it.each([
      ['an unknown member', { ...KING, urgency: 'high' }, 'urgency'],
      ['a camel-case submittedBy', { ...KING, proposer: undefined, submittedBy: 'KEEPER:alice' }, 'submittedBy'],
      ['a missing title', { ...KING, title: undefined }, 'title'],
      ['a blank title', { ...KING, title: '  \n ' }, 'title'],
      ['a non-string title', { ...KING, title: 42 }, 'title'],
      ['a title too long', { ...KING, title: 't'.repeat(MAX_MOTION_TITLE + 1) }, 'title'],
      ['a missing text', { ...KING, text: undefined }, 'text'],
      ['an empty text', { ...KING, text: '' }, 'text'],
      ['a text too long', { ...KING, text: 'x'.repeat(MAX_MOTION_TEXT + 1) }, 'text'],
      ['a missing kind', { ...KING, kind: undefined }, 'kind'],
      ['an unknown kind', { ...KING, kind: 'emergency' }, 'kind'],
      ['a non-string kind', { ...KING, kind: ['policy'] }, 'kind'],
      ['an empty proposer', { ...KING, proposer: '' }, 'proposer'],
      ['a null proposer', { ...KING, proposer: null }, 'proposer'],
      ['a proposer too long', { ...KING, proposer: `ARCHON:${'b'.repeat(122)}` }, 'proposer'],
      ['an empty submitted_by', { ...KEEPER, submitted_by: ' ' }, 'submitted_by'],
      ['both proposer and submitted_by', { ...KING, submitted_by: 'KEEPER:alice' }, 'proposer'],
      ['neither proposer nor submitted_by', { ...KING, proposer: undefined }, 'proposer'],
    ])('throws DELIBERATION_MOTION_INVALID for %s, naming %s', (_, json, field) => {
      const input = Object.fromEntries(Object.entries(json).filter(([, v]) => v !== undefined));
      expect(rejects(input).details).toEqual({ field });
    });
  });
});

describe('motionJson', () => {
  describe('given a parsed motion', () => {
    it("writes the protocol members back, so parseMotion reads the same motion (King's and keeper's)", () => {
      for (const json of [KING, KEEPER]) {
        expect(motionJson(parseMotion(json))).toEqual(json);
        expect(parseMotion(motionJson(parseMotion(json)))).toEqual(parseMotion(json));
      }
    });
  });
});
