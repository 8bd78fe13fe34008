import { describe, expect, it } from 'vitest';
import { chooseRedTeam } from '../../../src/domain/deliberation/red-team.js';
import { CLERK_ID, SESSION_EVENT, type SessionEvent } from '../../../src/domain/deliberation/session-events.js';
import type { Act } from '../../../src/domain/deliberation/session-procedure.js';
import type { Stance } from '../../../src/domain/deliberation/parse-reply.js';
import { driveSession, id, ofType, openingFor, says, scriptedModel, SEATS, SECRETARIES, withAbsent, type Answer, type DrivenSession, type Model } from './drive-session.js';

type SpeechAct = Extract<Act, { kind: 'speech' }>;
const speechActs = (driven: DrivenSession): SpeechAct[] => driven.acts.filter((a): a is SpeechAct => a.kind === 'speech');
const ALL = SEATS.map((s) => s.id);
const rankOf = (archon: string) => SEATS.find((s) => s.id === archon)?.rank;

/** Own-voice speeches answer `own(number)`; steelmen argue the side they are given. */
function debating(own: (number: number) => Answer): Model {
  return scriptedModel({ speech: (act) => (act.argues === undefined ? own(act.number) : says(act.argues, 'Steelmanning.')) });
}
const always = (stance: Stance): Model => debating(() => says(stance));

/** The event types right after speech `number`, up to the next speech or the red team. */
function after(driven: DrivenSession, number: number): string[] {
  const at = driven.built.findIndex((e) => e.eventType === SESSION_EVENT.speech && e.payload.number === number);
  const rest = driven.built.slice(at + 1);
  const end = rest.findIndex((e) => e.eventType === SESSION_EVENT.speech || e.eventType === SESSION_EVENT.redTeamFormed);
  return rest.slice(0, end).map((e) => e.eventType);
}
const breaks = (driven: DrivenSession): SessionEvent[] => ofType(driven.built, SESSION_EVENT.consensusBreak);
/** The number of the speech each consensus break came before. */
function breakPoints(driven: DrivenSession): number[] {
  return driven.built.flatMap((e, i) => (e.eventType === SESSION_EVENT.consensusBreak ? [driven.built.slice(i).find((s) => s.eventType === SESSION_EVENT.speech)?.payload.number as number] : []));
}

describe('SessionProcedure: debate', () => {
  describe('given 68 present, two rounds, and a debate evenly split', () => {
    const absent = [id('Vine'), id('Agares'), id('Caim'), id('Furcas')];
    const present = ALL.filter((a) => !absent.includes(a));
    const driven = driveSession(openingFor({ rules: { rounds: 2 } }), withAbsent(absent, scriptedModel()));
    const acts = speechActs(driven);

    it('asks every present archon once per round, in speaking order, numbering the speeches', () => {
      expect(acts).toHaveLength(136);
      expect(acts.map((a) => a.archon)).toEqual([...present, ...present]);
      expect(acts.map((a) => a.round)).toEqual([...Array<number>(68).fill(1), ...Array<number>(68).fill(2)]);
      expect(acts.map((a) => a.number)).toEqual(Array.from({ length: 136 }, (_, i) => i + 1));
      expect(acts.every((a) => a.argues === undefined)).toBe(true);
    });

    it('records each speech signed by its speaker, with the stance read from its last line', () => {
      expect(ofType(driven.built, SESSION_EVENT.speech)[1]).toEqual({
        eventType: SESSION_EVENT.speech,
        agentId: id('Bael'),
        payload: { session_id: 'session-0001', round: 1, number: 2, text: says('AGAINST'), stance: 'AGAINST' },
      });
    });

    it('has the first present secretary write a digest after every 10 speeches, with the stance counts so far', () => {
      const digests = ofType(driven.built, SESSION_EVENT.digest);
      expect(digests.map((d) => d.payload.after_speech)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130]);
      expect(digests.every((d) => d.agentId === SECRETARIES[0])).toBe(true);
      expect(digests[2]).toEqual({
        eventType: SESSION_EVENT.digest,
        agentId: SECRETARIES[0],
        payload: { session_id: 'session-0001', after_speech: 30, counts: { FOR: 15, AGAINST: 15, NEUTRAL: 0, missing: 0 }, text: 'Digest after 30 speeches.' },
      });
      expect(after(driven, 30)).toEqual([SESSION_EVENT.digest]);
      expect(after(driven, 31)).toEqual([]);
    });

    it('never breaks for consensus, and counts the stances', () => {
      expect(breaks(driven)).toEqual([]);
      expect(driven.session.stanceCounts()).toEqual({ FOR: 68, AGAINST: 68, NEUTRAL: 0, missing: 0 });
    });
  });

  describe('when the first secretary is absent', () => {
    it('has the second write the digests', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), withAbsent([SECRETARIES[0]], scriptedModel()));
      const digests = ofType(driven.built, SESSION_EVENT.digest);
      expect(digests).toHaveLength(7);
      expect(digests.every((d) => d.agentId === SECRETARIES[1])).toBe(true);
    });
  });

  describe('when no secretary is present', () => {
    it('has the clerk record the counts as the digest', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), withAbsent(SECRETARIES, scriptedModel()));
      const digests = ofType(driven.built, SESSION_EVENT.digest);
      expect(digests).toHaveLength(7);
      expect(digests[0]).toEqual({
        eventType: SESSION_EVENT.digest,
        agentId: CLERK_ID,
        payload: {
          session_id: 'session-0001',
          after_speech: 10,
          counts: { FOR: 5, AGAINST: 5, NEUTRAL: 0, missing: 0 },
          text: 'No secretary is present. Stances so far: 5 for, 5 against, 0 neutral, 0 not declared.',
        },
      });
    });
  });

  describe('when the secretary’s digest fails, and a speech count is a multiple of the digest interval at the end', () => {
    const driven = driveSession(
      openingFor({ rules: { rounds: 1, digestEvery: 8 } }),
      scriptedModel({ digest: (act) => (act.afterSpeech === 16 ? { failure: 'LLM_RATE_LIMITED' } : `Digest ${act.afterSpeech}.`) }),
    );

    it('records the failure in the digest’s place, does not ask again, and digests after the last speech too', () => {
      expect(after(driven, 16)).toEqual([SESSION_EVENT.failed]);
      expect(ofType(driven.built, SESSION_EVENT.failed)[0]?.payload).toMatchObject({ archon_id: SECRETARIES[0], act: 'digest', code: 'LLM_RATE_LIMITED' });
      expect(ofType(driven.built, SESSION_EVENT.digest).map((d) => d.payload.after_speech)).toEqual([8, 24, 32, 40, 48, 56, 64, 72]);
      expect(after(driven, 72)).toEqual([SESSION_EVENT.digest]);
    });
  });

  describe('when every speech is FOR', () => {
    const driven = driveSession(openingFor({ rules: { rounds: 1 } }), always('FOR'));

    it('breaks for consensus after 10 declared speeches, after the digest: the next 3 speakers steelman AGAINST', () => {
      expect(after(driven, 10)).toEqual([SESSION_EVENT.digest, SESSION_EVENT.consensusBreak]);
      expect(breaks(driven)[0]).toEqual({
        eventType: SESSION_EVENT.consensusBreak,
        agentId: CLERK_ID,
        payload: { session_id: 'session-0001', dominant: 'FOR', share: { num: 10, den: 10 }, steelman_speakers: ALL.slice(10, 13), argues: 'AGAINST' },
      });
      const acts = speechActs(driven);
      expect(acts.slice(10, 13).map((a) => [a.archon, a.argues])).toEqual(ALL.slice(10, 13).map((a) => [a, 'AGAINST']));
      expect(acts[13]?.argues).toBeUndefined();
      expect(ofType(driven.built, SESSION_EVENT.speech)[10]?.payload).toEqual({ session_id: 'session-0001', round: 1, number: 11, text: says('AGAINST', 'Steelmanning.'), stance: 'AGAINST', argues: 'AGAINST' });
    });

    it('starts a new window at each break, so the next comes 10 own-voice speeches after the steelmen', () => {
      expect(breakPoints(driven)).toEqual([11, 24, 37, 50, 63]);
    });

    it('leaves the steelmen out of the stance counts', () => {
      expect(driven.session.stanceCounts()).toEqual({ FOR: 72 - 15, AGAINST: 0, NEUTRAL: 0, missing: 0 });
      expect(ofType(driven.built, SESSION_EVENT.digest)[1]?.payload.counts).toEqual({ FOR: 17, AGAINST: 0, NEUTRAL: 0, missing: 0 });
    });
  });

  describe('when every speech is AGAINST', () => {
    it('breaks with AGAINST dominant, and the steelmen argue FOR', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), always('AGAINST'));
      expect(breaks(driven)[0]?.payload).toMatchObject({ dominant: 'AGAINST', share: { num: 10, den: 10 }, argues: 'FOR' });
      expect(speechActs(driven)[10]?.argues).toBe('FOR');
    });
  });

  describe('given 3 AGAINST and then only FOR', () => {
    it('breaks only once FOR reaches exactly 85% (17 of 20), not at 16 of 19', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), debating((n) => says(n <= 3 ? 'AGAINST' : 'FOR')));
      expect(breakPoints(driven)[0]).toBe(21);
      expect(breaks(driven)[0]?.payload.share).toEqual({ num: 17, den: 20 });
    });
  });

  describe('given the first two speeches other than FOR, then only FOR', () => {
    it.each<[string, Answer, number, { num: number; den: number }]>([
      ['AGAINST (declared: in the window)', says('AGAINST'), 15, { num: 12, den: 14 }],
      ['NEUTRAL (declared: in the window)', says('NEUTRAL'), 15, { num: 12, den: 14 }],
      ['undeclared (left out of the window)', 'I have no view yet.', 13, { num: 10, den: 10 }],
      ['failed (left out of the window)', { failure: 'LLM_TIMEOUT' }, 13, { num: 10, den: 10 }],
    ])('%s: breaks before speech %i', (_, first, before, share) => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), debating((n) => (n <= 2 ? first : says('FOR'))));
      expect(breakPoints(driven)[0]).toBe(before);
      expect(breaks(driven)[0]?.payload.share).toEqual(share);
    });
  });

  describe('given a failed speech', () => {
    it('records the failure in its place and moves on to the next speaker', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), debating((n) => (n === 5 ? { failure: 'LLM_UNREACHABLE' } : says(n % 2 === 0 ? 'FOR' : 'AGAINST'))));
      expect(after(driven, 4)).toEqual([SESSION_EVENT.failed]);
      expect(ofType(driven.built, SESSION_EVENT.failed)[0]?.payload).toMatchObject({ archon_id: ALL[4], act: 'speech', code: 'LLM_UNREACHABLE' });
      expect(speechActs(driven)[5]).toMatchObject({ archon: ALL[5], number: 6 });
      expect(driven.session.stanceCounts().missing).toBe(1);
    });
  });

  describe('when consensus forms one speech before the end', () => {
    const driven = driveSession(openingFor({ rules: { rounds: 1 } }), debating((n) => (n <= 61 ? 'No stance.' : says('FOR'))));

    it('names only the speakers left as steelmen', () => {
      expect(breakPoints(driven)).toEqual([72]);
      expect(breaks(driven)[0]?.payload.steelman_speakers).toEqual([id('Furcas')]);
      expect(speechActs(driven)[71]?.argues).toBe('AGAINST');
      expect(after(driven, 72)).toEqual([]);
    });
  });

  describe('given rules with a smaller consensus window and two steelmen', () => {
    it('applies them', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1, consensusMinSpeeches: 5, steelmanSpeakers: 2, consensusShare: { num: 4, den: 5 } } }), debating((n) => says(n === 1 ? 'AGAINST' : 'FOR')));
      expect(breakPoints(driven)[0]).toBe(6);
      expect(breaks(driven)[0]?.payload).toMatchObject({ share: { num: 4, den: 5 }, steelman_speakers: ALL.slice(5, 7) });
      expect(speechActs(driven).slice(5, 8).map((a) => a.argues)).toEqual(['AGAINST', 'AGAINST', undefined]);
    });
  });

  describe('priorStance, given two rounds in which the first speaker turns from AGAINST to undeclared', () => {
    const model = debating((n) => (n === 1 ? says('AGAINST') : n === 1 + 72 ? 'Still thinking.' : says('FOR')));
    const driven = driveSession(openingFor({ rules: { rounds: 2 } }), model);

    it('is the last stance an archon declared in its own voice, skipping undeclared and steelman speeches', () => {
      expect(driven.session.priorStance(ALL[0] as string)).toBe('AGAINST');
      expect(driven.session.priorStance(ALL[1] as string)).toBe('FOR');
      // ALL[10] steelmanned AGAINST in round 1 and spoke FOR in its own voice in round 2.
      expect(speechActs(driven)[10]?.argues).toBe('AGAINST');
      expect(driven.session.priorStance(ALL[10] as string)).toBe('FOR');
    });

    it('is undefined for an archon who never declared one in its own voice', () => {
      const oneRound = driveSession(openingFor({ rules: { rounds: 1 } }), always('FOR'));
      expect(oneRound.session.priorStance(ALL[10] as string)).toBeUndefined();
      expect(driven.session.priorStance('ARCHON:nobody')).toBeUndefined();
    });
  });
});

describe('SessionProcedure: red team', () => {
  describe('given a debate evenly split (a tie)', () => {
    const driven = driveSession(openingFor({ rules: { rounds: 1 } }), scriptedModel());
    const formed = ofType(driven.built, SESSION_EVENT.redTeamFormed)[0] as SessionEvent;
    const members = formed.payload.members as string[];

    it('forms a red team of 5 archons of 5 distinct ranks, drawn from the seed, arguing AGAINST', () => {
      expect(formed).toEqual({ eventType: SESSION_EVENT.redTeamFormed, agentId: CLERK_ID, payload: { session_id: 'session-0001', members: chooseRedTeam(SEATS, 5, 'seed-0001'), argues: 'AGAINST' } });
      expect(new Set(members.map(rankOf)).size).toBe(5);
      // Right after the last speech (72 is no multiple of 10, so no digest comes between).
      const last = driven.built.findIndex((e) => e.eventType === SESSION_EVENT.speech && e.payload.number === 72);
      expect(driven.built[last + 1]).toEqual(formed);
    });

    it('has each member speak in turn, arguing that side', () => {
      const acts = driven.acts.filter((a) => a.kind === 'red_team_speech');
      expect(acts).toEqual(members.map((archon) => ({ kind: 'red_team_speech', archon, argues: 'AGAINST' })));
      expect(ofType(driven.built, SESSION_EVENT.redTeamSpeech)[0]).toEqual({
        eventType: SESSION_EVENT.redTeamSpeech,
        agentId: members[0],
        payload: { session_id: 'session-0001', argues: 'AGAINST', text: says('AGAINST', 'The other side has a point.'), stance: 'AGAINST' },
      });
    });

    it('leaves red-team speeches out of the stance counts', () => {
      expect(driven.session.stanceCounts()).toEqual({ FOR: 36, AGAINST: 36, NEUTRAL: 0, missing: 0 });
    });
  });

  describe('given a debate mostly FOR', () => {
    it('has the red team argue AGAINST', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), debating((n) => says(n % 3 === 0 ? 'AGAINST' : 'FOR')));
      expect(ofType(driven.built, SESSION_EVENT.redTeamFormed)[0]?.payload.argues).toBe('AGAINST');
    });
  });

  describe('given a debate mostly AGAINST', () => {
    it('has the red team argue FOR', () => {
      const driven = driveSession(openingFor({ rules: { rounds: 1 } }), debating((n) => says(n % 3 === 0 ? 'FOR' : 'AGAINST')));
      expect(ofType(driven.built, SESSION_EVENT.redTeamFormed)[0]?.payload.argues).toBe('FOR');
      expect(driven.acts.filter((a) => a.kind === 'red_team_speech').every((a) => a.argues === 'FOR')).toBe(true);
    });
  });

  describe('given absent archons, a larger red team, a member whose model fails and one who declares no stance', () => {
    const absent = SEATS.filter((s) => s.rank === 'Earl' || s.id === id('Furcas')).map((s) => s.id);
    const present = SEATS.filter((s) => !absent.includes(s.id));
    const [, failing, undeclared] = chooseRedTeam(present, 7, 'seed-0001') as [string, string, string];
    const driven = driveSession(
      openingFor({ rules: { rounds: 1, redTeamSize: 7 } }),
      withAbsent(absent, scriptedModel({ red_team_speech: (act) => (act.archon === failing ? { failure: 'LLM_TIMEOUT' } : act.archon === undeclared ? 'No final line.' : says(act.argues)) })),
    );
    const members = ofType(driven.built, SESSION_EVENT.redTeamFormed)[0]?.payload.members as string[];

    it('draws only from the present, one per rank present', () => {
      expect(members).toEqual(chooseRedTeam(present, 7, 'seed-0001'));
      expect(members.map(rankOf).sort()).toEqual(['Duke', 'King', 'Marquis', 'President', 'Prince']);
    });

    it('records the failure and goes on to the next member', () => {
      expect(ofType(driven.built, SESSION_EVENT.failed).map((e) => e.payload)).toEqual([
        { session_id: 'session-0001', archon_id: failing, act: 'red_team_speech', code: 'LLM_TIMEOUT', message: 'LLM_TIMEOUT while answering' },
      ]);
      expect(ofType(driven.built, SESSION_EVENT.redTeamSpeech).map((e) => e.agentId)).toEqual(members.filter((m) => m !== failing));
      expect(ofType(driven.built, SESSION_EVENT.redTeamSpeech).find((e) => e.agentId === undeclared)?.payload).toEqual({ session_id: 'session-0001', argues: 'AGAINST', text: 'No final line.', stance: null });
      expect(driven.acts.find((a) => a.kind === 'vote')).toEqual({ kind: 'vote', archon: present[0]?.id });
    });
  });
});
