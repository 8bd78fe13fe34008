import { describe, expect, it } from 'vitest';
import { replaySession, SessionProcedure } from '../../../src/domain/deliberation/session-procedure.js';
import { CLERK_ID, SESSION_EVENT, type SessionEvent } from '../../../src/domain/deliberation/session-events.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { id, RICH_ABSENT, richSession, SEATS, says, vote } from './drive-session.js';

const driven = richSession();
const { events } = driven;

/** Everything the procedure lets a reader see of its state. */
function observe(session: SessionProcedure) {
  return {
    expected: session.expected(),
    eventCount: session.eventCount,
    finished: session.finished,
    present: session.present,
    pendingVoters: session.pendingVoters(),
    stanceCounts: session.stanceCounts(),
    priorStances: SEATS.map((s) => session.priorStance(s.id)),
    result: session.result,
  };
}

/** The index of the first event matching `match` (failing the test when there is none). */
function indexOf(match: (e: SessionEvent) => boolean): number {
  const i = events.findIndex(match);
  expect(i, 'the rich session holds such an event').toBeGreaterThan(0);
  return i;
}
const firstOf = (type: string) => indexOf((e) => e.eventType === type);
const edit = (event: SessionEvent, payload: Record<string, unknown>): SessionEvent => ({ ...event, payload: { ...event.payload, ...payload } });

describe('replaySession', () => {
  describe("given a driven session's events", () => {
    const replayed = replaySession(events);

    it('reproduces the same state: adjourned, same present, stance counts, prior stances and result', () => {
      expect(observe(replayed)).toEqual(observe(driven.session));
      expect(replayed.expected()).toEqual({ kind: 'done' });
      expect(replayed.result?.passed).toBe(true);
      expect(replayed.present).toHaveLength(72 - RICH_ABSENT.length);
    });

    it('expects, after any prefix of the events, the act the live session asked for next', () => {
      for (let k = 1; k < events.length; k += 7) {
        expect(replaySession(events.slice(0, k)).expected()).toEqual(driven.acts[k - 1]);
      }
    });
  });

  describe('steps', () => {
    it('stamps every event with its place in the session, the opening at step 1', () => {
      expect(events.map((e) => e.payload.step)).toEqual(events.map((_, i) => i + 1));
      expect(driven.session.stamp({ eventType: 'x', agentId: 'y', payload: { session_id: 'session-0001' } }).payload).toEqual({ session_id: 'session-0001', step: events.length + 1 });
    });

    it.each<[string, unknown]>([
      ['no step', undefined],
      ['the step before', 5],
      ['its own step again', 6],
      ['a step ahead', 8],
      ['a step as text', '7'],
    ])('refuses an event with %s (DELIBERATION_SESSION_CORRUPT), as two runners writing one step would leave', (_, step) => {
      const session = replaySession(events.slice(0, 6));
      const { step: _step, ...payload } = (events[6] as SessionEvent).payload;
      const event = { ...(events[6] as SessionEvent), payload: step === undefined ? payload : { ...payload, step } };
      expectCode(() => session.apply(event), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      session.apply(events[6] as SessionEvent);
      expect(session.eventCount).toBe(7);
    });

    it('refuses an opening without step 1', () => {
      const { step: _step, ...payload } = (events[0] as SessionEvent).payload;
      expectCode(() => SessionProcedure.open({ ...(events[0] as SessionEvent), payload }), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expectCode(() => SessionProcedure.open(edit(events[0] as SessionEvent, { step: 2 })), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });

  describe('when there are no events', () => {
    it('throws DELIBERATION_SESSION_CORRUPT', () => {
      expectCode(() => replaySession([]), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });

  describe("when the session does not start with the clerk's session_opened", () => {
    it.each<[string, SessionEvent[]]>([
      ['a roll call first', events.slice(1)],
      ['the opening signed by an archon', [{ ...(events[0] as SessionEvent), agentId: id('Bael') }, ...events.slice(1)]],
      ['a malformed opening', [edit(events[0] as SessionEvent, { witness: 'ARCHON:nobody' }), ...events.slice(1)]],
    ])('throws DELIBERATION_SESSION_CORRUPT for %s', (_, corrupted) => {
      expectCode(() => replaySession(corrupted), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });
});

describe('SessionProcedure.apply', () => {
  describe('when an event is not the one the procedure expects', () => {
    const roll = firstOf(SESSION_EVENT.present);
    const absent = firstOf(SESSION_EVENT.absent);
    const proposal = firstOf(SESSION_EVENT.proposed);
    const declined = firstOf(SESSION_EVENT.declined);
    const seconded = firstOf(SESSION_EVENT.seconded);
    const speech = firstOf(SESSION_EVENT.speech);
    const failedSpeech = indexOf((e) => e.eventType === SESSION_EVENT.failed && e.payload.act === 'speech');
    const steelman = indexOf((e) => e.eventType === SESSION_EVENT.speech && e.payload.argues !== undefined);
    const consensus = firstOf(SESSION_EVENT.consensusBreak);
    const digest = firstOf(SESSION_EVENT.digest);
    const redTeam = firstOf(SESSION_EVENT.redTeamFormed);
    const redSpeech = firstOf(SESSION_EVENT.redTeamSpeech);
    const firstVote = firstOf(SESSION_EVENT.vote);
    const validated = firstOf(SESSION_EVENT.validated);
    const corrected = firstOf(SESSION_EVENT.corrected);
    const tally = firstOf(SESSION_EVENT.tally);
    const at = (i: number) => events[i] as SessionEvent;

    it.each<[string, number, SessionEvent]>([
      ['a roll-call answer signed by another archon', roll, { ...at(roll), agentId: id('Vine') }],
      ['a roll-call answer recorded by the clerk without a failure', roll, { ...at(roll), agentId: CLERK_ID }],
      ['an absence naming another archon', absent, edit(at(absent), { archon_id: id('Bael') })],
      ['an absence whose failure code is not a string', absent, edit(at(absent), { code: 504 })],
      ['an absence without a message', absent, edit(at(absent), { message: undefined })],
      ['quorum_failed in place of quorum_established', absent + 70, { ...at(absent + 70), eventType: SESSION_EVENT.quorumFailed }],
      ['a quorum with an edited count', absent + 70, edit(at(absent + 70), { present: 72 })],
      ['the proposal signed by another King', proposal, { ...at(proposal), agentId: id('Vine') }],
      ['the proposal with an edited title', proposal, edit(at(proposal), { title: 'Something else' })],
      ['the proposal recorded by the clerk as a failure', proposal, { eventType: SESSION_EVENT.failed, agentId: CLERK_ID, payload: { session_id: 'session-0001', archon_id: id('Bael'), act: 'propose', code: 'LLM_TIMEOUT', message: 'm' } }],
      ['an unreadable decline marked readable', declined, edit(at(declined), { readable: true })],
      ['a second from a King not yet asked', declined, { ...at(seconded), agentId: id('Beleth') }],
      ['a decline recorded as a second', declined, { ...at(declined), eventType: SESSION_EVENT.seconded, payload: { session_id: 'session-0001', text: 'Not sure.' } }],
      ['a speech whose stance does not match its text', speech, edit(at(speech), { stance: 'AGAINST' })],
      ['a speech with a changed number', speech, edit(at(speech), { number: 2 })],
      ['a speech with a changed round', speech, edit(at(speech), { round: 2 })],
      ['a speech without text', speech, edit(at(speech), { text: undefined })],
      ['a speech with an extra member', speech, edit(at(speech), { mood: 'calm' })],
      ['a speech whose payload JSON cannot encode', speech, edit(at(speech), { round: Number.NaN })],
      ['a speech by the next speaker', speech, { ...at(speech), agentId: at(speech + 1).agentId }],
      ['a speech typed as a red-team speech', speech, { ...at(speech), eventType: SESSION_EVENT.redTeamSpeech }],
      ['a speech failure naming another act', failedSpeech, edit(at(failedSpeech), { act: 'vote' })],
      ['a steelman speech not marked as steelmanning', steelman, edit(at(steelman), { argues: undefined })],
      ['a speech in place of the consensus break', consensus, at(consensus + 1)],
      ['a consensus break with other steelmen', consensus, edit(at(consensus), { steelman_speakers: [id('Bael')] })],
      ['a digest with edited counts', digest, edit(at(digest), { counts: { FOR: 10, AGAINST: 0, NEUTRAL: 0, missing: 0 } })],
      ['a digest signed by the other secretary', digest, { ...at(digest), agentId: id('Caim') }],
      ['a red team with other members', redTeam, edit(at(redTeam), { members: SEATS.slice(0, 5).map((s) => s.id) })],
      ['a red team arguing the majority', redTeam, edit(at(redTeam), { argues: 'FOR' })],
      ['a red-team speech arguing the other side', redSpeech, edit(at(redSpeech), { argues: 'FOR', text: says('FOR'), stance: 'FOR' })],
      ['a vote whose choice does not match its raw text', firstVote, edit(at(firstVote), { choice: 'NAY' })],
      ['a vote without raw text', firstVote, edit(at(firstVote), { raw: undefined })],
      ['a vote by the second voter first', firstVote, at(firstVote + 1)],
      ['a failed vote signed by the voter', firstVote, { eventType: SESSION_EVENT.failed, agentId: at(firstVote).agentId, payload: { session_id: 'session-0001', archon_id: at(firstVote).agentId, act: 'vote', code: 'LLM_TIMEOUT', message: 'm' } }],
      ['a reading whose choice does not match its raw text', validated, edit(at(validated), { reading: 'ABSTAIN' })],
      ['a reading of another voter', validated, edit(at(validated), { voter: id('Vine') })],
      ['a reading by the witness first', validated, { ...at(validated), agentId: at(validated + 2).agentId }],
      ['the next reading in place of a correction', corrected, at(corrected + 1)],
      ['a correction to another choice', corrected, edit(at(corrected), { to: 'ABSTAIN' })],
      ['a tally with edited counts', tally, edit(at(tally), { aye: 68, nay: 0 })],
      ['a tally that says failed', tally, edit(at(tally), { passed: false })],
      ['a tally signed by an archon', tally, { ...at(tally), agentId: id('Bael') }],
      ['a result that says failed', tally + 1, edit(at(tally + 1), { result: 'failed' })],
      ['an adjournment for another reason', tally + 2, edit(at(tally + 2), { reason: 'motion_died' })],
      ['a second session_opened', 1, events[0] as SessionEvent],
      ['the previous event again', speech + 1, at(speech)],
      ['an event of unknown type', speech, { ...at(speech), eventType: 'conclave.speech_edited' }],
    ])('rejects %s with DELIBERATION_SESSION_CORRUPT and changes nothing', (_, k, corrupted) => {
      const session = replaySession(events.slice(0, k));
      const before = observe(session);
      expectCode(() => session.apply(corrupted), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expect(observe(session)).toEqual(before);
      // The session goes on from where it was, to the same end.
      for (const event of events.slice(k)) session.apply(event);
      expect(observe(session)).toEqual(observe(driven.session));
    });
  });

  describe('when an event follows the adjournment', () => {
    it('rejects it with DELIBERATION_SESSION_CORRUPT and stays adjourned', () => {
      const session = replaySession(events);
      const before = observe(session);
      expectCode(() => session.apply(events.at(-1) as SessionEvent), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expectCode(() => session.apply({ eventType: SESSION_EVENT.vote, agentId: id('Bael'), payload: { session_id: 'session-0001', choice: 'AYE', raw: vote('AYE') } }), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expect(observe(session)).toEqual(before);
    });
  });

  describe("when an event belongs to another session", () => {
    it('rejects it with DELIBERATION_SESSION_CORRUPT', () => {
      const session = replaySession(events.slice(0, 1));
      expectCode(() => session.apply(edit(events[1] as SessionEvent, { session_id: 'session-0002' })), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expect(session.eventCount).toBe(1);
    });
  });
});
