import { describe, expect, it } from 'vitest';
import { SessionProcedure, type Act } from '../../../src/domain/deliberation/session-procedure.js';
import { CLERK_ID, SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { driveSession, id, KEEPER_MOTION, KING_MOTION, KINGS, ofType, openingFor, scriptedModel, SEATS, withAbsent, type Answer, type DrivenSession } from './drive-session.js';

/** The event types after the roll call, up to and including the first speech (or the end). */
function afterRollCall(driven: DrivenSession): string[] {
  const rest = driven.built.slice(1 + SEATS.length);
  const speech = rest.findIndex((e) => e.eventType === SESSION_EVENT.speech);
  return rest.slice(0, speech === -1 ? rest.length : speech + 1).map((e) => e.eventType);
}
const actsOf = <K extends Act['kind']>(driven: DrivenSession, kind: K) => driven.acts.filter((a): a is Extract<Act, { kind: K }> => a.kind === kind);
const firstSeats = (n: number) => SEATS.slice(0, n).map((s) => s.id);

describe('SessionProcedure: opening', () => {
  describe('given the opening event of a new session', () => {
    const session = SessionProcedure.open(SessionProcedure.openingEvent(openingFor()));

    it('is signed by the clerk, and opens a session that has applied one event and expects the first roll call', () => {
      const event = SessionProcedure.openingEvent(openingFor());
      expect([event.eventType, event.agentId]).toEqual([SESSION_EVENT.opened, CLERK_ID]);
      expect([session.sessionId, session.eventCount, session.finished]).toEqual(['session-0001', 1, false]);
      expect(session.expected()).toEqual({ kind: 'roll_call', archon: id('Asmoday') });
      expect(session.present).toEqual([]);
      expect(session.result).toBeUndefined();
      expect(session.pendingVoters()).toEqual([]);
    });
  });

  describe('when the first event is not the clerk’s session_opened', () => {
    it('throws DELIBERATION_SESSION_CORRUPT for another type or another signer', () => {
      const event = SessionProcedure.openingEvent(openingFor());
      expectCode(() => SessionProcedure.open({ ...event, agentId: id('Bael') }), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expectCode(() => SessionProcedure.open({ ...event, eventType: SESSION_EVENT.present }), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });
});

describe('SessionProcedure: roll call and quorum', () => {
  describe('given four archons whose models fail at the roll call', () => {
    const absent = [id('Vine'), id('Agares'), id('Caim'), id('Furcas')];
    const driven = driveSession(openingFor(), withAbsent(absent, scriptedModel()));

    it('calls all 72 in speaking order first', () => {
      expect(driven.acts.slice(0, 72)).toEqual(SEATS.map((s) => ({ kind: 'roll_call', archon: s.id })));
    });

    it('records each present archon’s answer, signed by that archon, and each absence, signed by the clerk with the failure', () => {
      const answers = ofType(driven.built, SESSION_EVENT.present);
      expect(answers).toHaveLength(68);
      expect(answers[0]).toEqual({ eventType: SESSION_EVENT.present, agentId: id('Asmoday'), payload: { session_id: 'session-0001', text: 'Present.' } });
      expect(ofType(driven.built, SESSION_EVENT.absent)).toEqual(
        [id('Vine'), id('Agares'), id('Caim'), id('Furcas')].map((archon) => ({
          eventType: SESSION_EVENT.absent,
          agentId: CLERK_ID,
          payload: { session_id: 'session-0001', archon_id: archon, code: 'LLM_TIMEOUT', message: 'LLM_TIMEOUT while answering' },
        })),
      );
    });

    it('seats the other 68 as present, in speaking order', () => {
      expect(driven.session.present).toEqual(SEATS.map((s) => s.id).filter((a) => !absent.includes(a)));
    });

    it('establishes quorum (68 of 72 is more than half), recorded by the clerk', () => {
      expect(driven.built[73]).toEqual({
        eventType: SESSION_EVENT.quorumEstablished,
        agentId: CLERK_ID,
        payload: { session_id: 'session-0001', present: 68, roster_size: 72, quorum: { num: 1, den: 2 } },
      });
    });
  });

  describe('given exactly half the roster present (36 of 72)', () => {
    const driven = driveSession(openingFor(), withAbsent(firstSeats(36), scriptedModel()));

    it('fails quorum (present must exceed half) and adjourns at once', () => {
      expect(afterRollCall(driven)).toEqual([SESSION_EVENT.quorumFailed, SESSION_EVENT.adjourned]);
      expect(driven.built.at(-2)?.payload).toEqual({ session_id: 'session-0001', present: 36, roster_size: 72, quorum: { num: 1, den: 2 } });
      expect(driven.built.at(-1)).toEqual({ eventType: SESSION_EVENT.adjourned, agentId: CLERK_ID, payload: { session_id: 'session-0001', reason: 'quorum_failed' } });
    });

    it('is finished, with nothing more expected and no result', () => {
      expect(driven.session.finished).toBe(true);
      expect(driven.session.expected()).toEqual({ kind: 'done' });
      expect(driven.session.result).toBeUndefined();
      expect(driven.session.eventCount).toBe(driven.built.length);
    });
  });

  describe('given one more than half present (37 of 72)', () => {
    it('establishes quorum', () => {
      const driven = driveSession(openingFor(), withAbsent(firstSeats(35), scriptedModel()));
      expect(afterRollCall(driven)[0]).toBe(SESSION_EVENT.quorumEstablished);
      expect(driven.built[73]?.payload.present).toBe(37);
    });
  });

  describe('given a stricter quorum of 2/3', () => {
    const opening = openingFor({ motion: KEEPER_MOTION, rules: { quorum: { num: 2, den: 3 } } });

    it('fails with 48 of 72 present and is established with 49', () => {
      expect(afterRollCall(driveSession(opening, withAbsent(firstSeats(24), scriptedModel())))[0]).toBe(SESSION_EVENT.quorumFailed);
      expect(afterRollCall(driveSession(opening, withAbsent(firstSeats(23), scriptedModel())))[0]).toBe(SESSION_EVENT.quorumEstablished);
    });
  });
});

describe('SessionProcedure: the motion', () => {
  describe("given a King's motion and its King present", () => {
    const driven = driveSession(openingFor(), scriptedModel());

    it('asks the King to propose, and records the proposal signed by the King', () => {
      expect(driven.acts[73]).toEqual({ kind: 'propose', archon: id('Bael') });
      expect(driven.built[74]).toEqual({
        eventType: SESSION_EVENT.proposed,
        agentId: id('Bael'),
        payload: { session_id: 'session-0001', title: KING_MOTION.title, text: KING_MOTION.text, kind: 'policy', proposer: id('Bael') },
      });
    });

    it('asks the first present King other than the proposer to second, and the debate opens after the second', () => {
      expect(afterRollCall(driven)).toEqual([SESSION_EVENT.quorumEstablished, SESSION_EVENT.proposed, SESSION_EVENT.seconded, SESSION_EVENT.speech]);
      expect(actsOf(driven, 'second')).toEqual([{ kind: 'second', archon: id('Asmoday') }]);
      expect(ofType(driven.built, SESSION_EVENT.seconded)).toEqual([
        { eventType: SESSION_EVENT.seconded, agentId: id('Asmoday'), payload: { session_id: 'session-0001', text: 'SECOND\nThe motion deserves a debate.' } },
      ]);
    });
  });

  describe("given a keeper's motion", () => {
    const declineAll = scriptedModel({ second: () => 'DECLINE\nNot now.' });
    const driven = driveSession(openingFor({ motion: KEEPER_MOTION }), declineAll);

    it('has the clerk record the proposal, naming the keeper', () => {
      expect(driven.built[74]).toEqual({
        eventType: SESSION_EVENT.proposed,
        agentId: CLERK_ID,
        payload: { session_id: 'session-0001', title: KEEPER_MOTION.title, text: KEEPER_MOTION.text, kind: 'procedural', submitted_by: 'KEEPER:alice' },
      });
    });

    it('asks every present King to second, in speaking order', () => {
      expect(actsOf(driven, 'second').map((a) => a.archon)).toEqual(KINGS);
    });
  });

  describe('when the proposing King is absent', () => {
    const driven = driveSession(openingFor(), withAbsent([id('Bael')], scriptedModel()));

    it('records that the motion dies, and adjourns: no King is asked to second', () => {
      expect(afterRollCall(driven)).toEqual([SESSION_EVENT.quorumEstablished, SESSION_EVENT.died, SESSION_EVENT.adjourned]);
      expect(ofType(driven.built, SESSION_EVENT.died)[0]).toEqual({ eventType: SESSION_EVENT.died, agentId: CLERK_ID, payload: { session_id: 'session-0001', reason: 'proposer_absent' } });
      expect(driven.built.at(-1)?.payload).toEqual({ session_id: 'session-0001', reason: 'motion_died' });
      expect(actsOf(driven, 'second')).toEqual([]);
      expect(driven.session.finished).toBe(true);
    });
  });

  describe('when every King asked declines (in words, unreadably, or by failing)', () => {
    const answers: Record<string, Answer> = { [id('Balam')]: 'I would rather not.', [id('Beleth')]: { failure: 'LLM_BAD_RESPONSE' } };
    const driven = driveSession(openingFor(), scriptedModel({ second: (act) => answers[act.archon] ?? 'DECLINE\nToo early.' }));

    it('asks the eight other Kings in speaking order, never the proposer', () => {
      expect(actsOf(driven, 'second').map((a) => a.archon)).toEqual(KINGS.filter((k) => k !== id('Bael')));
    });

    it('records readable and unreadable declines and failures', () => {
      const declined = ofType(driven.built, SESSION_EVENT.declined);
      expect(declined[0]).toEqual({ eventType: SESSION_EVENT.declined, agentId: id('Asmoday'), payload: { session_id: 'session-0001', text: 'DECLINE\nToo early.', readable: true } });
      expect(declined[1]).toEqual({ eventType: SESSION_EVENT.declined, agentId: id('Balam'), payload: { session_id: 'session-0001', text: 'I would rather not.', readable: false } });
      expect(ofType(driven.built, SESSION_EVENT.failed)[0]).toEqual({
        eventType: SESSION_EVENT.failed,
        agentId: CLERK_ID,
        payload: { session_id: 'session-0001', archon_id: id('Beleth'), act: 'second', code: 'LLM_BAD_RESPONSE', message: 'LLM_BAD_RESPONSE while answering' },
      });
    });

    it('lets the motion die for want of a second, and adjourns', () => {
      expect(afterRollCall(driven).slice(-2)).toEqual([SESSION_EVENT.died, SESSION_EVENT.adjourned]);
      expect(ofType(driven.built, SESSION_EVENT.died)[0]?.payload.reason).toBe('no_second');
      expect(driven.built.at(-1)?.payload.reason).toBe('motion_died');
    });
  });

  describe('when the first King is absent and the next declines', () => {
    const driven = driveSession(
      openingFor(),
      withAbsent([id('Asmoday')], scriptedModel({ second: (act) => (act.archon === id('Balam') ? 'DECLINE\nNo.' : 'SECOND\nYes.') })),
    );

    it('skips the absent King and the proposer, and takes the second of the next present King', () => {
      expect(actsOf(driven, 'second').map((a) => a.archon)).toEqual([id('Balam'), id('Beleth')]);
      expect(ofType(driven.built, SESSION_EVENT.seconded).map((e) => e.agentId)).toEqual([id('Beleth')]);
      expect(afterRollCall(driven).slice(-2)).toEqual([SESSION_EVENT.seconded, SESSION_EVENT.speech]);
    });
  });

  describe("given a keeper's motion and no King present", () => {
    it('records the proposal, then the motion dies for want of a second', () => {
      const driven = driveSession(openingFor({ motion: KEEPER_MOTION }), withAbsent(KINGS, scriptedModel()));
      expect(afterRollCall(driven)).toEqual([SESSION_EVENT.quorumEstablished, SESSION_EVENT.proposed, SESSION_EVENT.died, SESSION_EVENT.adjourned]);
      expect(actsOf(driven, 'second')).toEqual([]);
    });
  });
});
