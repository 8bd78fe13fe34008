/**
 * Strict readers of what an archon's model said. Nothing is guessed: a reply that does not follow the format is
 * recorded as such, with its raw text, and never turned into a default answer.
 */

export const STANCES = ['FOR', 'AGAINST', 'NEUTRAL'] as const;
export type Stance = (typeof STANCES)[number];
export const CHOICES = ['AYE', 'NAY', 'ABSTAIN'] as const;
export type Choice = (typeof CHOICES)[number];

const STANCE_LINE = /^STANCE: (FOR|AGAINST|NEUTRAL)$/;
const VOTE_LINE = /^\{\s*"choice"\s*:\s*"(AYE|NAY|ABSTAIN)"\s*\}$/;

/** The stance a speech declares on its last non-empty line, exactly `STANCE: FOR|AGAINST|NEUTRAL`; else undefined. */
export function parseStance(text: string): Stance | undefined {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '').trim()).filter((line) => line.length > 0);
  const match = STANCE_LINE.exec(lines.at(-1) ?? '');
  return match === null ? undefined : (match[1] as Stance);
}

/** A vote's first line is exactly the JSON object {"choice":"AYE"|"NAY"|"ABSTAIN"} (no other member); else undefined. */
export function parseVote(text: string): Choice | undefined {
  // A pattern, not JSON.parse: JSON.parse would accept a member given twice ({"choice":"NAY","choice":"AYE"} reads
  // as AYE) and escaped spellings of the name; whitespace between tokens is all that is allowed.
  const match = VOTE_LINE.exec(firstLine(text));
  return match === null ? undefined : (match[1] as Choice);
}

/** A King's answer to "will you second": first line exactly SECOND or DECLINE; else undefined. */
export function parseSecond(text: string): 'SECOND' | 'DECLINE' | undefined {
  const first = firstLine(text);
  return first === 'SECOND' || first === 'DECLINE' ? first : undefined;
}

/** The text up to its first LF, trimmed (which drops a CR before it too). split always yields a first element. */
function firstLine(text: string): string {
  return (text.split('\n', 1)[0] as string).trim();
}
