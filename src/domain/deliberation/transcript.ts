import { SESSION_EVENT } from './session-events.js';

/** A session event as the projections read it: its place and time in the log too. */
export interface LoggedSessionEvent {
  sequence: number;
  authorityTimestamp: string;
  eventType: string;
  agentId: string;
  payload: Record<string, unknown>;
}

/** Display names of agents (archon names; anything unknown shows its id). */
export type NameOf = (agentId: string) => string;

/**
 * The Markdown of one event of the transcript, given the event before it. The transcript is the concatenation of
 * these over the session's events in log order, so a transcript written live as events are appended and one rebuilt from the log are the
 * same text when the log holds the same events.
 */
export function transcriptEntry(event: LoggedSessionEvent, previous: LoggedSessionEvent | undefined, nameOf: NameOf): string {
  const heading = isVoteAct(event) && (previous === undefined || !isVoteAct(previous)) ? '\n## Vote\n\n' : '';
  return heading + entry(event, nameOf);
}

function entry(event: LoggedSessionEvent, nameOf: NameOf): string {
  const p = event.payload;
  const who = nameOf(event.agentId);
  const at = `<sub>#${event.sequence} · ${event.authorityTimestamp}</sub>`;
  const text = (value: unknown) => String(value ?? '').trim();
  switch (event.eventType) {
    case SESSION_EVENT.opened: {
      const motion = p.motion as Record<string, string>;
      return `# Conclave session ${String(p.session_id)}\n\n**Motion (${motion.kind}):** ${motion.title}\n\n> ${String(motion.text).replace(/\n/g, '\n> ')}\n\n${at}\n\n## Roll call\n\n`;
    }
    case SESSION_EVENT.present:
      return `- ${who}: present\n`;
    case SESSION_EVENT.absent:
      return `- ${nameOf(String(p.archon_id))}: **absent** (${String(p.code)})\n`;
    case SESSION_EVENT.quorumEstablished:
    case SESSION_EVENT.quorumFailed: {
      // Without quorum the session adjourns next: no Motion section follows.
      const established = event.eventType === SESSION_EVENT.quorumEstablished;
      return `\n**Quorum ${established ? 'established' : 'not reached'}:** ${String(p.present)} of ${String(p.roster_size)} present. ${at}\n\n${established ? '## Motion\n\n' : ''}`;
    }
    case SESSION_EVENT.proposed:
      return `- Proposed by ${p.proposer === undefined ? `keeper ${String(p.submitted_by)} (recorded by the clerk)` : who}. ${at}\n`;
    case SESSION_EVENT.seconded:
      return `- Seconded by ${who}: ${text(p.text)}\n\n## Debate\n\n`;
    case SESSION_EVENT.declined:
      return `- ${who} declines to second${p.readable === false ? ' (answer unreadable)' : ''}: ${text(p.text)}\n`;
    case SESSION_EVENT.died:
      return `\n**The motion dies** (${String(p.reason).replace(/_/g, ' ')}). ${at}\n`;
    case SESSION_EVENT.speech:
      return `### ${String(p.number)}. ${who} (round ${String(p.round)})${p.argues === undefined ? '' : ` — steelmanning ${String(p.argues)}`}\n\n${text(p.text)}\n\n*Stance: ${p.stance === null ? 'not declared' : String(p.stance)}* ${at}\n\n`;
    case SESSION_EVENT.digest: {
      const c = p.counts as Record<string, number>;
      return `> **Digest after ${String(p.after_speech)} speeches** (${who}; for ${c.FOR}, against ${c.AGAINST}, neutral ${c.NEUTRAL}, undeclared ${c.missing}): ${text(p.text)}\n\n`;
    }
    case SESSION_EVENT.consensusBreak: {
      const share = p.share as { num: number; den: number };
      return `> **Consensus break:** ${share.num} of ${share.den} speeches ${String(p.dominant)}; ${(p.steelman_speakers as string[]).map(nameOf).join(', ')} will steelman ${String(p.argues)}. ${at}\n\n`;
    }
    case SESSION_EVENT.redTeamFormed:
      return `## Red team\n\n${(p.members as string[]).map(nameOf).join(', ')} argue ${String(p.argues)}. ${at}\n\n`;
    case SESSION_EVENT.redTeamSpeech:
      return `### Red team: ${who} (arguing ${String(p.argues)})\n\n${text(p.text)}\n\n`;
    case SESSION_EVENT.vote:
      return `- ${who}: ${p.choice === null ? `**unparseable** (“${text(p.raw).split('\n')[0]}”)` : String(p.choice)}\n`;
    case SESSION_EVENT.validated:
      return `- ${who} reads ${nameOf(String(p.voter))}'s vote as ${p.reading === null ? 'unreadable' : String(p.reading)}\n`;
    case SESSION_EVENT.corrected:
      return `- **Correction:** ${nameOf(String(p.voter))}'s vote is ${String(p.to)}, not ${p.from === null ? 'unparseable' : String(p.from)} (both secretaries and the witness agree). ${at}\n`;
    case SESSION_EVENT.failed:
      return `- ${nameOf(String(p.archon_id))}: **${String(p.act).replace(/_/g, ' ')} failed** (${String(p.code)}: ${text(p.message)})\n`;
    case SESSION_EVENT.tally: {
      const m = p.supermajority as { num: number; den: number };
      return `\n## Tally\n\n| AYE | NAY | ABSTAIN | unparseable | not voting | threshold |\n|---|---|---|---|---|---|\n| ${String(p.aye)} | ${String(p.nay)} | ${String(p.abstain)} | ${String(p.unparseable)} | ${String(p.not_voting)} | ${m.num}/${m.den} of AYE+NAY |\n\n`;
    }
    case SESSION_EVENT.result:
      return `**Result: the motion ${p.result === 'passed' ? 'PASSES' : 'FAILS'}.** ${at}\n\n`;
    case SESSION_EVENT.adjourned:
      return `*Session adjourned (${String(p.reason).replace(/_/g, ' ')}).* ${at}\n`;
    default:
      return `- ${event.eventType} by ${who} ${at}\n`;
  }
}

/** The whole transcript of a session's events, in log order. */
export function sessionTranscript(events: readonly LoggedSessionEvent[], nameOf: NameOf): string {
  return events.map((e, i) => transcriptEntry(e, events[i - 1], nameOf)).join('');
}

/** A vote, or a failed vote: the first of them opens the Vote section. */
function isVoteAct(event: LoggedSessionEvent): boolean {
  return event.eventType === SESSION_EVENT.vote || (event.eventType === SESSION_EVENT.failed && event.payload.act === 'vote');
}
