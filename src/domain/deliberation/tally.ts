import { reaches, type Fraction } from './session-rules.js';
import type { Choice } from './parse-reply.js';

/** The count of a vote and its outcome under the supermajority rule. */
export interface Tally {
  aye: number;
  nay: number;
  abstain: number;
  /** Votes whose text did not parse: recorded, counted here, never treated as abstentions. */
  unparseable: number;
  /** Present archons whose vote failed (provider error): no vote. */
  notVoting: number;
  supermajority: Fraction;
  passed: boolean;
}

/**
 * The tally rule: a motion passes when AYE ≥ supermajority × (AYE + NAY). Abstentions (and unparseable or missing
 * votes) are outside the base; with no AYE and no NAY the motion fails.
 */
export function tallyVotes(votes: ReadonlyArray<Choice | null>, notVoting: number, supermajority: Fraction): Tally {
  let aye = 0;
  let nay = 0;
  let abstain = 0;
  let unparseable = 0;
  for (const vote of votes) {
    if (vote === 'AYE') aye += 1;
    else if (vote === 'NAY') nay += 1;
    else if (vote === 'ABSTAIN') abstain += 1;
    else unparseable += 1;
  }
  const passed = aye + nay > 0 && reaches(aye, supermajority, aye + nay);
  return { aye, nay, abstain, unparseable, notVoting, supermajority, passed };
}
