import type { Archon } from '../../domain/deliberation/archon.js';
import type { ModelAct, SessionProcedure } from '../../domain/deliberation/session-procedure.js';
import { VOTE_VALIDATION_MARKER, type LlmRequest } from '../ports.js';

/** What was said so far, as the prompts quote it: the last speeches, newest last. */
export interface SpokenLine {
  archon: string;
  text: string;
}

/** Speeches quoted back to the next speaker: enough for a debate to answer itself, bounded for small models. */
const QUOTED_SPEECHES = 6;

const FORMAT: Record<ModelAct['kind'], string> = {
  roll_call: 'Answer the roll call in one short line.',
  second: 'Answer with a first line that is exactly SECOND or DECLINE, then one sentence giving your reason.',
  speech: 'Speak in 2 to 5 sentences. End with a final line that is exactly "STANCE: FOR", "STANCE: AGAINST" or "STANCE: NEUTRAL".',
  red_team_speech: 'Argue the side you are given as strongly as you honestly can, in 2 to 5 sentences. End with a final line "STANCE: FOR" or "STANCE: AGAINST" for the side you argued.',
  digest: 'Summarise the debate so far in one neutral paragraph: the main arguments on each side and the stance counts given.',
  vote: 'Cast your vote. The first line must be exactly one of {"choice":"AYE"}, {"choice":"NAY"} or {"choice":"ABSTAIN"}; then one line of reason.',
  validate: 'Read the vote below as its author meant it. The first line must be exactly one of {"choice":"AYE"}, {"choice":"NAY"} or {"choice":"ABSTAIN"}.',
};

/**
 * The model request for an act: the archon's persona as the system message, the motion, the recent debate and
 * the act's instruction and answer format as the user message, the act's facts as hints (for the simulated
 * provider), and a seed unique to this act of this session (so a resumed session asks the same question).
 */
export function requestFor(session: SessionProcedure, act: ModelAct, archon: Archon, recent: readonly SpokenLine[], nameOf: (id: string) => string): LlmRequest {
  const motion = session.opening.motion;
  const purpose = act.kind === 'red_team_speech' ? 'red_team' : act.kind === 'validate' ? 'vote_validation' : act.kind;
  const p = archon.persona;
  const system = [
    `You are ${archon.name}, a ${archon.rank} of the Archon 72 Conclave (branch: ${archon.branch}; role: ${archon.role}).`,
    `Your goal: ${p.goal}`,
    `How you judge: ${p.epistemicMethod}`,
    `You never support: ${p.redLines.join('; ')}`,
    `You are persuaded by: ${p.persuadedBy.join('; ')}`,
    `Your voice: ${p.voice}`,
    'Everything you say is signed with your key and recorded in a public, verifiable log.',
  ].join('\n');
  const lines = [`Motion (${motion.kind}): ${motion.title}`, motion.text, ''];
  const quoted = recent.slice(-QUOTED_SPEECHES);
  if (quoted.length > 0 && act.kind !== 'roll_call') lines.push('Recent speeches:', ...quoted.map((s) => `- ${nameOf(s.archon)}: ${s.text.replace(/\s+/g, ' ')}`), '');
  const argues = act.kind === 'speech' || act.kind === 'red_team_speech' ? act.argues : undefined;
  if (argues !== undefined) lines.push(`You must argue ${argues === 'FOR' ? 'for' : 'against'} the motion (steelman that side), whatever your own view.`);
  if (act.kind === 'digest') lines.push(`Stance counts: ${act.counts.FOR} for, ${act.counts.AGAINST} against, ${act.counts.NEUTRAL} neutral, ${act.counts.missing} undeclared.`);
  if (act.kind === 'validate') lines.push(`Vote cast by ${nameOf(act.voter)}.`, VOTE_VALIDATION_MARKER, act.raw, '');
  lines.push(FORMAT[act.kind]);
  const priorStance = session.priorStance(archon.id);
  return {
    archon,
    purpose,
    system,
    prompt: lines.join('\n'),
    hints: {
      motionTitle: motion.title,
      motionKind: motion.kind,
      ...(argues === undefined ? {} : { mustArgue: argues }),
      ...(priorStance === undefined ? {} : { priorStance }),
      ...(act.kind === 'digest' ? { tally: { FOR: act.counts.FOR, AGAINST: act.counts.AGAINST, NEUTRAL: act.counts.NEUTRAL } } : {}),
    },
    seed: `${session.opening.seed}/${actKey(act)}`,
  };
}

/** Names an act by what it is, not by when it was asked, so a resumed session asks each act's same question. */
function actKey(act: ModelAct): string {
  switch (act.kind) {
    case 'speech':
      return `speech/${act.number}/${act.archon}`;
    case 'digest':
      return `digest/${act.afterSpeech}/${act.archon}`;
    case 'validate':
      return `validate/${act.voter}/${act.archon}`;
    default:
      return `${act.kind}/${act.archon}`;
  }
}
