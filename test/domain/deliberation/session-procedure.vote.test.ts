import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adjudicate, replaySession, type Act } from '../../../src/domain/deliberation/session-procedure.js';
import { CLERK_ID, SESSION_EVENT, type SessionEvent } from '../../../src/domain/deliberation/session-events.js';
import { CHOICES, type Choice } from '../../../src/domain/deliberation/parse-reply.js';
import { driveSession, id, KING_MOTION, ofType, openingFor, scriptedModel, SEATS, SECRETARIES, vote, withAbsent, WITNESS, type Answer } from './drive-session.js';

const ALL = SEATS.map((s) => s.id);
const types = (events: readonly SessionEvent[]) => events.map((e) => e.eventType);
const firstIndex = (events: readonly SessionEvent[], type: string) => events.findIndex((e) => e.eventType === type);

/** 66 present: 40 AYE, 20 NAY, 3 ABSTAIN, 2 unparseable and 1 whose model fails, in that speaking order. */
function mixedVote(present: readonly string[]): (archon: string) => Answer {
  return (archon) => {
    const i = present.indexOf(archon);
    if (i < 40) return vote('AYE');
    if (i < 60) return vote('NAY');
    if (i < 63) return vote('ABSTAIN');
    if (i < 65) return i === 63 ? 'AYE, obviously.' : '{"choice":"AYE","why":"because"}';
    return { failure: 'LLM_HTTP_ERROR' };
  };
}

describe('SessionProcedure: the vote', () => {
  describe('given 66 present voting 40 AYE, 20 NAY, 3 ABSTAIN, 2 unparseable and 1 failure', () => {
    const absent = ALL.slice(66);
    const present = ALL.slice(0, 66);
    const driven = driveSession(openingFor({ rules: { rounds: 1 } }), withAbsent(absent, scriptedModel({ vote: (act) => mixedVote(present)(act.archon) })));
    const start = firstIndex(driven.built, SESSION_EVENT.vote);

    it('asks every present archon to vote, in speaking order, after the red team', () => {
      expect(driven.acts.filter((a) => a.kind === 'vote')).toEqual(present.map((archon) => ({ kind: 'vote', archon })));
      expect(driven.built[start - 1]?.eventType).toBe(SESSION_EVENT.redTeamSpeech);
    });

    it('lists the pending voters while the vote is open', () => {
      expect(replaySession(driven.events.slice(0, start)).pendingVoters()).toEqual(present);
      expect(replaySession(driven.events.slice(0, start + 10)).pendingVoters()).toEqual(present.slice(10));
      expect(replaySession(driven.events.slice(0, start - 1)).pendingVoters()).toEqual([]);
      expect(driven.session.pendingVoters()).toEqual([]);
    });

    it('records each vote signed by its voter with the choice read and the raw text, an unreadable one with choice null', () => {
      const votes = ofType(driven.built, SESSION_EVENT.vote);
      expect(votes).toHaveLength(65);
      expect(votes[0]).toEqual({ eventType: SESSION_EVENT.vote, agentId: present[0], payload: { session_id: 'session-0001', choice: 'AYE', raw: vote('AYE') } });
      expect(votes[63]).toEqual({ eventType: SESSION_EVENT.vote, agentId: present[63], payload: { session_id: 'session-0001', choice: null, raw: 'AYE, obviously.' } });
      expect(votes[64]?.payload.choice).toBeNull();
    });

    it("records the failed vote, signed by the clerk, in the voter's place", () => {
      expect(driven.built[start + 65]).toEqual({
        eventType: SESSION_EVENT.failed,
        agentId: CLERK_ID,
        payload: { session_id: 'session-0001', archon_id: present[65], act: 'vote', code: 'LLM_HTTP_ERROR', message: 'LLM_HTTP_ERROR while answering' },
      });
    });

    it('tallies (AYE 40 is exactly 2/3 of AYE + NAY 60: passed), records the result and adjourns', () => {
      expect(types(driven.built.slice(start + 66))).toEqual([SESSION_EVENT.tally, SESSION_EVENT.result, SESSION_EVENT.adjourned]);
      expect(driven.built.slice(start + 66).map((e) => [e.agentId, e.payload])).toEqual([
        [CLERK_ID, { session_id: 'session-0001', aye: 40, nay: 20, abstain: 3, unparseable: 2, not_voting: 1, supermajority: { num: 2, den: 3 }, passed: true }],
        [CLERK_ID, { session_id: 'session-0001', title: KING_MOTION.title, result: 'passed' }],
        [CLERK_ID, { session_id: 'session-0001', reason: 'completed' }],
      ]);
      expect(driven.session.result).toEqual({ aye: 40, nay: 20, abstain: 3, unparseable: 2, notVoting: 1, supermajority: { num: 2, den: 3 }, passed: true });
      expect(driven.session.finished).toBe(true);
      expect(driven.session.expected()).toEqual({ kind: 'done' });
    });
  });

  describe('given a stricter supermajority of 3/4 and the same votes', () => {
    it('fails the motion', () => {
      const present = ALL.slice(0, 66);
      const driven = driveSession(openingFor({ rules: { rounds: 1, supermajority: { num: 3, den: 4 } } }), withAbsent(ALL.slice(66), scriptedModel({ vote: (act) => mixedVote(present)(act.archon) })));
      expect(ofType(driven.built, SESSION_EVENT.tally)[0]?.payload).toMatchObject({ aye: 40, nay: 20, supermajority: { num: 3, den: 4 }, passed: false });
      expect(ofType(driven.built, SESSION_EVENT.result)[0]?.payload.result).toBe('failed');
    });
  });

  describe('when every vote fails', () => {
    it('tallies no AYE and no NAY: the motion fails, with every present archon not voting', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1, validateVotes: true } }), scriptedModel({ vote: () => ({ failure: 'LLM_TIMEOUT' }) }));
      expect(driven.acts.filter((a) => a.kind === 'validate')).toEqual([]);
      expect(driven.session.result).toMatchObject({ aye: 0, nay: 0, notVoting: 72, passed: false });
      expect(ofType(driven.built, SESSION_EVENT.result)[0]?.payload.result).toBe('failed');
    });
  });

  describe('for any votes of the 72', () => {
    it('tallies by the rule: AYE ≥ 2/3 of AYE + NAY, abstentions and unreadable votes excluded, none at all fails (property)', () => {
      const answer = fc.oneof(fc.constantFrom<Answer>(...CHOICES.map(vote)), fc.constantFrom<Answer>('I abstain from JSON.', { failure: 'LLM_TIMEOUT' }));
      fc.assert(
        fc.property(fc.array(answer, { minLength: 72, maxLength: 72 }), (answers) => {
          const driven = driveSession(openingFor({ rules: { rounds: 1 } }), scriptedModel({ vote: (act) => answers[ALL.indexOf(act.archon)] as Answer }));
          const count = (a: Answer) => answers.filter((x) => x === a).length;
          const [aye, nay] = [count(vote('AYE')), count(vote('NAY'))];
          const passed = aye + nay > 0 && 3 * aye >= 2 * (aye + nay);
          expect(ofType(driven.built, SESSION_EVENT.tally)[0]?.payload).toEqual({
            session_id: 'session-0001',
            aye,
            nay,
            abstain: count(vote('ABSTAIN')),
            unparseable: count('I abstain from JSON.'),
            not_voting: answers.filter((a) => typeof a !== 'string').length,
            supermajority: { num: 2, den: 3 },
            passed,
          });
          expect(ofType(driven.built, SESSION_EVENT.result)[0]?.payload.result).toBe(passed ? 'passed' : 'failed');
        }),
        { numRuns: 12 },
      );
    });
  });
});

describe('SessionProcedure: vote validation', () => {
  // Seven voters with something to show; everyone else votes NAY and is read as cast.
  const [unreadable, misread, witnessFails, split, noneCanRead, failedVote, secretaryVoter] = [ALL[0], ALL[1], ALL[2], ALL[3], ALL[4], ALL[5], SECRETARIES[0]] as [string, string, string, string, string, string, string];
  const cast: Record<string, Answer> = {
    [unreadable]: 'I vote AYE.',
    [misread]: vote('AYE'),
    [witnessFails]: vote('NAY'),
    [split]: vote('ABSTAIN'),
    [noneCanRead]: 'Hmm.',
    [failedVote]: { failure: 'LLM_TIMEOUT' },
    [secretaryVoter]: vote('AYE'),
  };
  const reading = (act: Extract<Act, { kind: 'validate' }>): Answer => {
    if (act.voter === unreadable || act.voter === misread) return act.voter === unreadable ? vote('AYE') : vote('NAY');
    if (act.voter === witnessFails) return act.archon === WITNESS ? { failure: 'LLM_TIMEOUT' } : vote('AYE');
    if (act.voter === split) return act.archon === WITNESS ? vote('NAY') : vote('AYE');
    if (act.voter === noneCanRead) return 'Unclear.';
    return act.raw.split('\n')[0] as string;
  };
  const driven = driveSession(
    openingFor({ rules: { rounds: 1, validateVotes: true } }),
    scriptedModel({ vote: (act) => cast[act.archon] ?? vote('NAY'), validate: reading }),
  );
  const validations = driven.acts.filter((a): a is Extract<Act, { kind: 'validate' }> => a.kind === 'validate');
  const corrections = ofType(driven.built, SESSION_EVENT.corrected);

  describe('given votes cast and validateVotes on', () => {
    it('asks both secretaries and then the witness to read each cast vote, in voting order, showing them its raw text', () => {
      const voters = ALL.filter((a) => a !== failedVote);
      expect(validations).toHaveLength(3 * 71);
      expect(validations.slice(0, 3)).toEqual([SECRETARIES[0], SECRETARIES[1], WITNESS].map((archon) => ({ kind: 'validate', archon, voter: unreadable, raw: 'I vote AYE.' })));
      expect(validations.filter((_, i) => i % 3 === 0).map((a) => a.voter)).toEqual(voters);
    });

    it('records each reading signed by its reader, with the choice read (or null) and the raw reply', () => {
      const read = ofType(driven.built, SESSION_EVENT.validated);
      expect(read[0]).toEqual({ eventType: SESSION_EVENT.validated, agentId: SECRETARIES[0], payload: { session_id: 'session-0001', voter: unreadable, reading: 'AYE', raw: vote('AYE') } });
      expect(read.find((e) => e.payload.voter === noneCanRead)?.payload).toEqual({ session_id: 'session-0001', voter: noneCanRead, reading: null, raw: 'Unclear.' });
      expect(ofType(driven.built, SESSION_EVENT.failed).map((e) => e.payload.act)).toEqual(['vote', 'vote_validation']);
    });
  });

  describe('when all three read the same choice and it differs from the recorded one', () => {
    it('has the clerk correct the vote right after the third reading, from an unparseable vote or from another choice', () => {
      expect(corrections).toEqual([
        { eventType: SESSION_EVENT.corrected, agentId: CLERK_ID, payload: { session_id: 'session-0001', voter: unreadable, from: null, to: 'AYE' } },
        { eventType: SESSION_EVENT.corrected, agentId: CLERK_ID, payload: { session_id: 'session-0001', voter: misread, from: 'AYE', to: 'NAY' } },
      ]);
      const at = driven.built.findIndex((e) => e.eventType === SESSION_EVENT.corrected);
      expect(types(driven.built.slice(at - 3, at))).toEqual(Array(3).fill(SESSION_EVENT.validated));
      expect(driven.built[at + 1]?.payload.voter).toBe(misread);
    });
  });

  describe('when a validator fails, the readings split, or no one can read the vote', () => {
    it('corrects nothing', () => {
      expect(corrections.map((c) => c.payload.voter)).not.toContain(witnessFails);
      expect(corrections.map((c) => c.payload.voter)).not.toContain(split);
      expect(corrections.map((c) => c.payload.voter)).not.toContain(noneCanRead);
    });
  });

  describe('given the corrections', () => {
    it('tallies the corrected choices', () => {
      // AYE: the corrected unparseable vote and the secretary's; NAY: the 65 unnamed, the corrected AYE and witnessFails's.
      expect(driven.session.result).toEqual({ aye: 2, nay: 67, abstain: 1, unparseable: 1, notVoting: 1, supermajority: { num: 2, den: 3 }, passed: false });
      expect(types(driven.built.slice(-4))).toEqual([SESSION_EVENT.validated, SESSION_EVENT.tally, SESSION_EVENT.result, SESSION_EVENT.adjourned]);
    });
  });
});

describe('adjudicate', () => {
  describe('given three equal readings of a choice', () => {
    it.each(CHOICES)('returns %s when the recorded vote differs, and undefined when it agrees', (choice) => {
      const other: Choice = choice === 'AYE' ? 'NAY' : 'AYE';
      expect(adjudicate(other, [choice, choice, choice])).toBe(choice);
      expect(adjudicate(null, [choice, choice, choice])).toBe(choice);
      expect(adjudicate(choice, [choice, choice, choice])).toBeUndefined();
    });
  });

  describe('given readings that are not unanimous, unreadable or missing', () => {
    it.each<[string, Array<Choice | null | undefined>]>([
      ['the witness dissents', ['NAY', 'NAY', 'AYE']],
      ['the secretaries disagree', ['NAY', 'AYE', 'NAY']],
      ['all unreadable', [null, null, null]],
      ['a failed secretary', [undefined, 'NAY', 'NAY']],
      ['a failed witness', ['NAY', 'NAY', undefined]],
      ['only two readings', ['NAY', 'NAY']],
      ['no readings', []],
    ])('returns undefined when %s', (_, readings) => {
      expect(adjudicate('AYE', readings)).toBeUndefined();
    });
  });
});

describe('SessionProcedure: a whole session', () => {
  describe('given absences, a consensus break, a red team, every kind of vote and validation', () => {
    const absent = [id('Asmoday'), id('Gaap'), id('Raum')];
    const driven = driveSession(
      openingFor({ rules: { rounds: 2, validateVotes: true } }),
      withAbsent(
        absent,
        scriptedModel({
          speech: (act) => (act.argues !== undefined ? `Steelman.\nSTANCE: ${act.argues}` : act.number <= 30 ? `Yes.\nSTANCE: ${act.number % 7 === 0 ? 'AGAINST' : 'FOR'}` : `Hm.\nSTANCE: ${act.number % 2 === 0 ? 'FOR' : 'NEUTRAL'}`),
          vote: (act) => (act.archon === id('Bael') ? 'aye' : act.archon === id('Zagan') ? { failure: 'LLM_TIMEOUT' } : vote(ALL.indexOf(act.archon) % 4 === 0 ? 'NAY' : 'AYE')),
        }),
      ),
    );

    it('goes through every phase in order and adjourns completed', () => {
      const phases = [...new Set(types(driven.built))];
      expect(phases).toEqual([
        SESSION_EVENT.opened,
        SESSION_EVENT.absent,
        SESSION_EVENT.present,
        SESSION_EVENT.quorumEstablished,
        SESSION_EVENT.proposed,
        SESSION_EVENT.seconded,
        SESSION_EVENT.speech,
        SESSION_EVENT.digest,
        SESSION_EVENT.consensusBreak,
        SESSION_EVENT.redTeamFormed,
        SESSION_EVENT.redTeamSpeech,
        SESSION_EVENT.vote,
        SESSION_EVENT.failed,
        SESSION_EVENT.validated,
        SESSION_EVENT.tally,
        SESSION_EVENT.result,
        SESSION_EVENT.adjourned,
      ]);
      expect(ofType(driven.built, SESSION_EVENT.speech)).toHaveLength(2 * 69);
      expect(ofType(driven.built, SESSION_EVENT.seconded)[0]?.agentId).toBe(id('Balam'));
      expect(driven.built.at(-1)?.payload.reason).toBe('completed');
      expect(driven.session.eventCount).toBe(driven.built.length);
    });
  });
});
