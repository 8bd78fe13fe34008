import { VOTE_VALIDATION_MARKER, type LlmClient, type LlmHints, type LlmReply, type LlmRequest } from '../../app/ports.js';
import type { Archon } from '../../domain/deliberation/archon.js';
import { LlmError } from '../../domain/errors.js';
import { createSeededRandom, drawChoice, drawStance, freshStance, leanFor, type Choice, type Stance } from './simulated-stance.js';

/** The `model` of every simulated reply. */
export const SIMULATED_MODEL = 'simulated/v1';

/**
 * A language model without a network, for development, tests and reproducible sessions. Its reply depends only on
 * the request's seed, purpose, archon (id, name, persona) and hints (vote_validation also reads the vote after
 * VOTE_VALIDATION_MARKER in the prompt): the same request always gets the same text. Randomness comes from an
 * sfc32 generator keyed with SHA-256(seed, purpose, archon id, motion title). Formats, one per purpose:
 * - roll_call: `Present.`
 * - second: `SECOND` or `DECLINE`, then a line of reason.
 * - speech, red_team: 2–5 sentences on one line, then a last line `STANCE: FOR|AGAINST|NEUTRAL`.
 * - digest: one paragraph naming `FOR n, AGAINST n, NEUTRAL n` from hints.tally.
 * - vote, vote_validation: `{"choice":"AYE|NAY|ABSTAIN"}`, then a line of reason.
 * Throws LlmError LLM_TIMEOUT (transient) only when `signal` is already aborted.
 */
export function createSimulatedLlm(): LlmClient {
  return {
    complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmReply> {
      if (signal?.aborted === true) {
        return Promise.reject(new LlmError({ code: 'LLM_TIMEOUT', message: 'the call was aborted before the simulated model answered', details: { transient: true } }));
      }
      return Promise.resolve({ text: answer(request), model: SIMULATED_MODEL });
    },
  };
}

function answer(request: LlmRequest): string {
  const { archon, hints } = request;
  const random = createSeededRandom(`${request.seed}\n${request.purpose}\n${archon.id}\n${hints.motionTitle}`);
  const lean = leanFor(archon, hints);
  switch (request.purpose) {
    case 'roll_call':
      return 'Present.';
    case 'second':
      return second(random, archon, hints, lean);
    case 'speech':
    case 'red_team':
      return speech(random, archon, hints, drawStance(random, hints, lean), request.purpose === 'red_team');
    case 'digest':
      return digest(hints);
    case 'vote': {
      const stance = hints.priorStance ?? freshStance(random, lean);
      const choice = drawChoice(random, stance, lean);
      return `${JSON.stringify({ choice })}\n${voteReason(choice, stance, hints.motionTitle)}`;
    }
    case 'vote_validation': {
      const choice = choiceUnderReview(request.prompt);
      const reason = choice === undefined ? 'No readable vote was shown; I record an abstention.' : `The vote shown reads ${choice}.`;
      return `${JSON.stringify({ choice: choice ?? 'ABSTAIN' })}\n${reason}`;
    }
  }
}

function second(random: () => number, archon: Archon, hints: LlmHints, lean: number): string {
  const title = quote(hints.motionTitle);
  if (random() < 0.25 + 0.6 * lean) {
    return `SECOND\n${title} deserves the Conclave's debate, and it serves my aim: ${clause(archon.persona.goal)}.`;
  }
  return `DECLINE\n${title} does not yet show me ${clause(pick(random, archon.persona.persuadedBy, 'a reason to take it up'))}.`;
}

/** 2–5 sentences in the archon's voice (at most 3 when its voice is terse), then the stance line. */
function speech(random: () => number, archon: Archon, hints: LlmHints, stance: Stance, redTeam: boolean): string {
  const { persona } = archon;
  const title = quote(hints.motionTitle);
  const redLine = clause(pick(random, persona.redLines, 'to abandon the Conclave\'s rules'));
  const persuader = clause(pick(random, persona.persuadedBy, 'evidence laid before the Conclave'));
  const opener = redTeam
    ? `As red team I press the case ${stance === 'NEUTRAL' ? 'on' : stance} ${title}, whatever my own view.`
    : pick(random, OPENERS[stance], '').replace('$T', title);
  const reasons: Record<Stance, string[]> = {
    FOR: [`What persuades me is ${persuader}, and this motion offers it.`, `It crosses none of my red lines, not even this one: ${redLine}.`],
    AGAINST: [`It comes too near a line I will not cross: ${redLine}.`, `Show me ${persuader} and I may yet change my mind.`],
    NEUTRAL: [`I would be moved by ${persuader}, and I have not heard it yet.`, `I will not decide until I know it keeps clear of this: ${redLine}.`],
  };
  const rest = [`My aim remains this: ${clause(persona.goal)}.`, ...reasons[stance], `I weigh it as I weigh everything: ${clause(persona.epistemicMethod)}.`];
  const terse = /\b(terse|brief|laconic|blunt|curt|spare)\b/i.test(persona.voice);
  const count = 1 + Math.floor(random() * (terse ? 2 : 4));
  const body = [opener, ...rest.slice(0, count)].join(' ');
  return `${body}\nSTANCE: ${stance}`;
}

const OPENERS: Record<Stance, string[]> = {
  FOR: ['I rise in support of $T.', '$T has my support.', 'I speak for $T.'],
  AGAINST: ['I rise against $T.', '$T should not pass.', 'I cannot support $T.'],
  NEUTRAL: ['On $T I have not settled.', 'I hold back my judgement on $T.', 'I stand between the sides on $T.'],
};

function digest(hints: LlmHints): string {
  const title = quote(hints.motionTitle);
  const tally = hints.tally;
  if (tally === undefined) return `Debate on ${title} has declared no stances yet.`;
  const balance = tally.FOR > tally.AGAINST ? 'Those in favour outnumber those opposed.' : tally.FOR < tally.AGAINST ? 'Those opposed outnumber those in favour.' : 'The sides stand even.';
  return `Debate on ${title} stands at FOR ${tally.FOR}, AGAINST ${tally.AGAINST}, NEUTRAL ${tally.NEUTRAL}. ${balance}`;
}

function voteReason(choice: Choice, stance: Stance, motionTitle: string): string {
  const consistent = (stance === 'FOR' && choice === 'AYE') || (stance === 'AGAINST' && choice === 'NAY') || (stance === 'NEUTRAL' && choice === 'ABSTAIN');
  return consistent ? `I vote as I spoke on ${quote(motionTitle)}.` : `Having heard the debate on ${quote(motionTitle)}, I vote ${choice} although I spoke ${stance}.`;
}

/** The choice in the vote after VOTE_VALIDATION_MARKER: its JSON `choice`, else the first bare AYE/NAY/ABSTAIN word. */
function choiceUnderReview(prompt: string): Choice | undefined {
  const at = prompt.indexOf(VOTE_VALIDATION_MARKER);
  if (at < 0) return undefined;
  // Attacker-controlled: the vote is another model's text. Only its first non-empty line is read.
  const line = prompt.slice(at + VOTE_VALIDATION_MARKER.length).split('\n').find((l) => l.trim() !== '') ?? '';
  const match = /"choice"\s*:\s*"(AYE|NAY|ABSTAIN)"/.exec(line) ?? /\b(AYE|NAY|ABSTAIN)\b/i.exec(line);
  return match === null ? undefined : (match[1]!.toUpperCase() as Choice);
}

function pick(random: () => number, items: readonly string[], fallback: string): string {
  const index = Math.floor(random() * items.length);
  return items[index] ?? fallback;
}

/** Persona text as a clause inside a sentence: one line, no final full stop. */
function clause(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/[.!?;:]+$/, '');
}

function quote(title: string): string {
  return `"${clause(title)}"`;
}
