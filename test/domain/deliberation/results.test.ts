import { describe, expect, it } from 'vitest';
import { sessionResults } from '../../../src/domain/deliberation/results.js';
import { openingPayload } from '../../../src/domain/deliberation/session-opening.js';
import { SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { chooseRedTeam } from '../../../src/domain/deliberation/red-team.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { driveSession, id, logged, ofType, openingFor, RICH_ABSENT, richSession, scriptedModel, SEATS, withAbsent } from './drive-session.js';

const rich = richSession();
const events = logged(rich.events, 501);
const OPENING = openingFor({ rules: { rounds: 2, validateVotes: true }, seed: 'seed-rich' });

describe('sessionResults', () => {
  describe('given a whole session', () => {
    const results = sessionResults(events);

    it('gives the session, motion, rules, provider and seed as opened', () => {
      const opened = openingPayload(OPENING);
      expect([results.session_id, results.motion, results.rules, results.provider, results.seed]).toEqual(['session-0001', opened.motion, opened.rules, 'simulated', 'seed-rich']);
    });

    it('gives the status, the adjournment, who was present and absent, and who seconded', () => {
      expect(results.status).toBe('adjourned');
      expect(results.adjournment).toBe('completed');
      expect(results.present).toEqual(SEATS.map((s) => s.id).filter((a) => !RICH_ABSENT.includes(a)));
      expect(results.absent).toEqual(RICH_ABSENT);
      expect(results.seconded_by).toBe(id('Beleth'));
    });

    it('counts the speeches given, the stances declared and the consensus breaks, and names the red team', () => {
      expect(results.speeches).toBe(137);
      expect(results.stances).toEqual(rich.session.stanceCounts());
      expect(results.consensus_breaks).toBe(2);
      expect(results.red_team).toEqual({ members: chooseRedTeam(SEATS.filter((s) => !RICH_ABSENT.includes(s.id)), 5, 'seed-rich'), argues: 'AGAINST' });
    });

    it('lists every vote cast with its counted choice (after corrections) and the choice as cast', () => {
      const votes = results.votes as Array<{ voter: string; choice: unknown; cast: unknown }>;
      expect(votes).toHaveLength(68);
      expect(votes.find((v) => v.voter === id('Bael'))).toEqual({ voter: id('Bael'), choice: 'AYE', cast: null });
      expect(votes.find((v) => v.voter === id('Beleth'))).toEqual({ voter: id('Beleth'), choice: 'NAY', cast: 'AYE' });
      expect(votes.find((v) => v.voter === id('Belial'))).toEqual({ voter: id('Belial'), choice: 'NAY', cast: 'NAY' });
    });

    it('lists the failures, with archon, act and code', () => {
      expect(results.failures).toEqual([
        { archon_id: id('Paimon'), act: 'speech', code: 'LLM_UNREACHABLE' },
        { archon_id: id('Andrealphus'), act: 'digest', code: 'LLM_RATE_LIMITED' },
        { archon_id: (ofType(rich.events, SESSION_EVENT.redTeamFormed)[0]?.payload.members as string[])[1], act: 'red_team_speech', code: 'LLM_TIMEOUT' },
        { archon_id: id('Zagan'), act: 'vote', code: 'LLM_TIMEOUT' },
        { archon_id: id('Furcas'), act: 'vote_validation', code: 'LLM_TIMEOUT' },
      ]);
    });

    it('gives the tally without its session id, the result, and the sequence range', () => {
      expect(results.tally).toEqual({ aye: 51, nay: 17, abstain: 0, unparseable: 0, not_voting: 1, supermajority: { num: 2, den: 3 }, passed: true });
      expect(results.result).toBe('passed');
      expect([results.first_sequence, results.last_sequence]).toEqual([501, 500 + events.length]);
    });
  });

  describe('given a session still in its debate', () => {
    it('is in progress, with no adjournment, red team, tally or result yet', () => {
      const partial = events.slice(0, events.findIndex((e) => e.eventType === SESSION_EVENT.speech) + 3);
      const results = sessionResults(partial);
      expect(results).toMatchObject({ status: 'in_progress', adjournment: null, seconded_by: id('Beleth'), speeches: 3, red_team: null, votes: [], tally: null, result: null });
      expect([results.first_sequence, results.last_sequence]).toEqual([501, 500 + partial.length]);
    });
  });

  describe('given a session that failed quorum', () => {
    it('has no second, speeches or votes, and says why it adjourned', () => {
      const absent = SEATS.slice(36).map((s) => s.id);
      const results = sessionResults(logged(driveSession(openingFor(), withAbsent(absent, scriptedModel())).events));
      expect(results).toMatchObject({ status: 'adjourned', adjournment: 'quorum_failed', seconded_by: null, speeches: 0, consensus_breaks: 0, red_team: null, votes: [], failures: [], tally: null, result: null });
      expect(results.absent).toEqual(absent);
      expect(results.stances).toEqual({ FOR: 0, AGAINST: 0, NEUTRAL: 0, missing: 0 });
    });
  });

  describe('when the events break the procedure', () => {
    it('gives no results: DELIBERATION_SESSION_CORRUPT', () => {
      const tally = events.findIndex((e) => e.eventType === SESSION_EVENT.tally);
      const forged = events.map((e, i) => (i === tally ? { ...e, payload: { ...e.payload, passed: false } } : e));
      expectCode(() => sessionResults(forged), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expectCode(() => sessionResults([]), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });
});
