import { describe, expect, it } from 'vitest';
import { sessionTranscript, transcriptEntry, type LoggedSessionEvent } from '../../../src/domain/deliberation/transcript.js';
import { CLERK_ID, SESSION_EVENT } from '../../../src/domain/deliberation/session-events.js';
import { driveSession, id, KEEPER_MOTION, logged, openingFor, richSession, ROSTER, scriptedModel, SEATS, withAbsent } from './drive-session.js';

const nameOf = (agentId: string): string => ROSTER.byId(agentId)?.name ?? agentId;
const events = logged(richSession().events);
const transcript = sessionTranscript(events, nameOf);
const AT = (e: LoggedSessionEvent) => `<sub>#${e.sequence} · ${e.authorityTimestamp}</sub>`;
/** One logged event, for entries checked one at a time. */
function ev(eventType: string, agentId: string, payload: Record<string, unknown>): LoggedSessionEvent {
  return { sequence: 7, authorityTimestamp: '2026-03-01T10:00:07.000000Z', eventType, agentId, payload: { session_id: 'session-0001', ...payload } };
}
const at7 = '<sub>#7 · 2026-03-01T10:00:07.000000Z</sub>';
const entry = (e: LoggedSessionEvent) => transcriptEntry(e, undefined, nameOf);

describe('sessionTranscript', () => {
  describe("given a whole session's events", () => {
    it('is the concatenation of the entries, each given the event before it (what a live writer appends)', () => {
      let live = '';
      events.forEach((e, i) => (live += transcriptEntry(e, events[i - 1], nameOf)));
      expect(transcript).toBe(live);
    });

    it('has its sections in procedure order', () => {
      const headings = transcript.split('\n').filter((line) => /^#{1,2} /.test(line));
      expect(headings).toEqual(['# Conclave session session-0001', '## Roll call', '## Motion', '## Debate', '## Red team', '## Vote', '## Tally']);
    });

    it('opens the Vote section once, right before the first vote', () => {
      expect(transcript.match(/## Vote/g)).toHaveLength(1);
      const firstVote = events.findIndex((e) => e.eventType === SESSION_EVENT.vote);
      expect(transcriptEntry(events[firstVote] as LoggedSessionEvent, events[firstVote - 1], nameOf)).toMatch(/^\n## Vote\n\n- /);
    });

    it('names archons, and shows the absent, the failures and the corrections', () => {
      expect(transcript).toContain('- Bael: present\n');
      expect(transcript).toContain('- Asmoday: **absent** (LLM_TIMEOUT)\n');
      expect(transcript).toContain('- Paimon: **speech failed** (LLM_UNREACHABLE: LLM_UNREACHABLE while answering)\n');
      expect(transcript).toContain("- **Correction:** Bael's vote is AYE, not unparseable (both secretaries and the witness agree).");
      expect(transcript).toContain("- **Correction:** Beleth's vote is NAY, not AYE (both secretaries and the witness agree).");
      expect(transcript.endsWith(`*Session adjourned (completed).* ${AT(events.at(-1) as LoggedSessionEvent)}\n`)).toBe(true);
    });
  });
});

describe('transcriptEntry', () => {
  describe('given each kind of event', () => {
    it.each<[string, LoggedSessionEvent, string]>([
      [
        'the opening, quoting the motion line by line',
        ev(SESSION_EVENT.opened, CLERK_ID, { motion: { title: 'Publish', text: 'Line one.\nLine two.', kind: 'policy', proposer: id('Bael') } }),
        `# Conclave session session-0001\n\n**Motion (policy):** Publish\n\n> Line one.\n> Line two.\n\n${at7}\n\n## Roll call\n\n`,
      ],
      ['a roll-call answer', ev(SESSION_EVENT.present, id('Vine'), { text: 'Here.' }), '- Vine: present\n'],
      ['an absence', ev(SESSION_EVENT.absent, CLERK_ID, { archon_id: id('Vine'), code: 'LLM_TIMEOUT', message: 'late' }), '- Vine: **absent** (LLM_TIMEOUT)\n'],
      ['quorum established', ev(SESSION_EVENT.quorumEstablished, CLERK_ID, { present: 40, roster_size: 72 }), `\n**Quorum established:** 40 of 72 present. ${at7}\n\n## Motion\n\n`],
      ['quorum not reached', ev(SESSION_EVENT.quorumFailed, CLERK_ID, { present: 30, roster_size: 72 }), `\n**Quorum not reached:** 30 of 72 present. ${at7}\n\n`],
      ["a King's proposal", ev(SESSION_EVENT.proposed, id('Bael'), { proposer: id('Bael') }), `- Proposed by Bael. ${at7}\n`],
      ["a keeper's proposal", ev(SESSION_EVENT.proposed, CLERK_ID, { submitted_by: 'KEEPER:alice' }), `- Proposed by keeper KEEPER:alice (recorded by the clerk). ${at7}\n`],
      ['a second', ev(SESSION_EVENT.seconded, id('Balam'), { text: 'SECOND\nYes. ' }), '- Seconded by Balam: SECOND\nYes.\n\n## Debate\n\n'],
      ['a readable decline', ev(SESSION_EVENT.declined, id('Balam'), { text: 'DECLINE', readable: true }), '- Balam declines to second: DECLINE\n'],
      ['an unreadable decline', ev(SESSION_EVENT.declined, id('Balam'), { text: 'Hmm', readable: false }), '- Balam declines to second (answer unreadable): Hmm\n'],
      ['a decline without text', ev(SESSION_EVENT.declined, id('Balam'), { readable: true }), '- Balam declines to second: \n'],
      ['the motion dying', ev(SESSION_EVENT.died, CLERK_ID, { reason: 'proposer_absent' }), `\n**The motion dies** (proposer absent). ${at7}\n`],
      ['a speech', ev(SESSION_EVENT.speech, id('Vine'), { round: 2, number: 80, text: 'Yes.\nSTANCE: FOR', stance: 'FOR' }), `### 80. Vine (round 2)\n\nYes.\nSTANCE: FOR\n\n*Stance: FOR* ${at7}\n\n`],
      ['a steelman speech', ev(SESSION_EVENT.speech, id('Vine'), { round: 1, number: 11, text: 'No.', stance: null, argues: 'AGAINST' }), `### 11. Vine (round 1) — steelmanning AGAINST\n\nNo.\n\n*Stance: not declared* ${at7}\n\n`],
      ['a digest', ev(SESSION_EVENT.digest, CLERK_ID, { after_speech: 10, counts: { FOR: 6, AGAINST: 3, NEUTRAL: 1, missing: 0 }, text: 'Even.' }), '> **Digest after 10 speeches** (SYSTEM:CONCLAVE; for 6, against 3, neutral 1, undeclared 0): Even.\n\n'],
      [
        'a consensus break',
        ev(SESSION_EVENT.consensusBreak, CLERK_ID, { dominant: 'FOR', share: { num: 9, den: 10 }, steelman_speakers: [id('Vine'), id('Zagan')], argues: 'AGAINST' }),
        `> **Consensus break:** 9 of 10 speeches FOR; Vine, Zagan will steelman AGAINST. ${at7}\n\n`,
      ],
      ['the red team', ev(SESSION_EVENT.redTeamFormed, CLERK_ID, { members: [id('Vine'), id('Furcas')], argues: 'FOR' }), `## Red team\n\nVine, Furcas argue FOR. ${at7}\n\n`],
      ['a red-team speech', ev(SESSION_EVENT.redTeamSpeech, id('Furcas'), { argues: 'FOR', text: 'Think again.', stance: null }), '### Red team: Furcas (arguing FOR)\n\nThink again.\n\n'],
      ['a vote', ev(SESSION_EVENT.vote, id('Vine'), { choice: 'NAY', raw: '{"choice":"NAY"}' }), '\n## Vote\n\n- Vine: NAY\n'],
      ['an unparseable vote, quoting its first line', ev(SESSION_EVENT.vote, id('Vine'), { choice: null, raw: ' yes, aye\nreally' }), '\n## Vote\n\n- Vine: **unparseable** (“yes, aye”)\n'],
      ['a reading', ev(SESSION_EVENT.validated, id('Caim'), { voter: id('Vine'), reading: 'NAY', raw: '{"choice":"NAY"}' }), "- Caim reads Vine's vote as NAY\n"],
      ['an unreadable reading', ev(SESSION_EVENT.validated, id('Caim'), { voter: id('Vine'), reading: null, raw: '?' }), "- Caim reads Vine's vote as unreadable\n"],
      ['a correction', ev(SESSION_EVENT.corrected, CLERK_ID, { voter: id('Vine'), from: 'AYE', to: 'NAY' }), `- **Correction:** Vine's vote is NAY, not AYE (both secretaries and the witness agree). ${at7}\n`],
      ['a failed act', ev(SESSION_EVENT.failed, CLERK_ID, { archon_id: id('Caim'), act: 'vote_validation', code: 'LLM_TIMEOUT', message: ' slow ' }), '- Caim: **vote validation failed** (LLM_TIMEOUT: slow)\n'],
      [
        'the tally',
        ev(SESSION_EVENT.tally, CLERK_ID, { aye: 40, nay: 20, abstain: 3, unparseable: 2, not_voting: 1, supermajority: { num: 2, den: 3 }, passed: true }),
        '\n## Tally\n\n| AYE | NAY | ABSTAIN | unparseable | not voting | threshold |\n|---|---|---|---|---|---|\n| 40 | 20 | 3 | 2 | 1 | 2/3 of AYE+NAY |\n\n',
      ],
      ['a motion passing', ev(SESSION_EVENT.result, CLERK_ID, { result: 'passed' }), `**Result: the motion PASSES.** ${at7}\n\n`],
      ['a motion failing', ev(SESSION_EVENT.result, CLERK_ID, { result: 'failed' }), `**Result: the motion FAILS.** ${at7}\n\n`],
      ['the adjournment', ev(SESSION_EVENT.adjourned, CLERK_ID, { reason: 'quorum_failed' }), `*Session adjourned (quorum failed).* ${at7}\n`],
      ['an event type it does not know', ev('conclave.recess', id('Vine'), {}), `- conclave.recess by Vine ${at7}\n`],
    ])('writes %s', (_, event, text) => {
      expect(entry(event)).toBe(text);
    });
  });

  describe('given a vote act or a failure, and the event before it', () => {
    const cast = ev(SESSION_EVENT.vote, id('Vine'), { choice: 'AYE', raw: '{"choice":"AYE"}' });
    const failedVote = ev(SESSION_EVENT.failed, CLERK_ID, { archon_id: id('Zagan'), act: 'vote', code: 'LLM_TIMEOUT', message: 'slow' });
    const failedSpeech = ev(SESSION_EVENT.failed, CLERK_ID, { archon_id: id('Zagan'), act: 'red_team_speech', code: 'LLM_TIMEOUT', message: 'slow' });
    const redTeamSpeech = ev(SESSION_EVENT.redTeamSpeech, id('Furcas'), { argues: 'FOR', text: 'x', stance: null });
    const heading = '\n## Vote\n\n';

    it('opens the Vote section before the first vote or failed vote', () => {
      expect(transcriptEntry(failedVote, redTeamSpeech, nameOf).startsWith(heading)).toBe(true);
      expect(transcriptEntry(cast, failedSpeech, nameOf).startsWith(heading)).toBe(true);
    });

    it('does not open it again after a vote or a failed vote', () => {
      expect(transcriptEntry(cast, failedVote, nameOf)).toBe('- Vine: AYE\n');
      expect(transcriptEntry(failedVote, cast, nameOf).startsWith(heading)).toBe(false);
    });

    it('never opens it before the failure of another act', () => {
      expect(transcriptEntry(failedSpeech, redTeamSpeech, nameOf).startsWith(heading)).toBe(false);
      expect(transcriptEntry(failedSpeech, undefined, nameOf).startsWith(heading)).toBe(false);
    });
  });

  describe("given a keeper's motion that dies at quorum", () => {
    it('writes the roll call, the quorum and the adjournment only', () => {
      const absent = SEATS.slice(0, 40).map((s) => s.id);
      const failed = logged(driveSession(openingFor({ motion: KEEPER_MOTION }), withAbsent(absent, scriptedModel())).events);
      const text = sessionTranscript(failed, nameOf);
      expect(text).toContain('**Quorum not reached:** 32 of 72 present.');
      expect(text).not.toContain('## Motion');
      expect(text.endsWith(`present. ${AT(failed.at(-2) as LoggedSessionEvent)}\n\n*Session adjourned (quorum failed).* ${AT(failed.at(-1) as LoggedSessionEvent)}\n`)).toBe(true);
    });
  });
});
