import { RANK_COUNTS, RANKS, type Archon, type Rank } from '../../../src/domain/deliberation/archon.js';
import type { LlmHints, LlmPurpose, LlmRequest } from '../../../src/app/ports.js';

/** Persona pieces, combined by index so the 72 test archons differ (written for these tests, not the roster). */
const GOALS = [
  'Keep the Conclave solvent and its treasury open to audit.',
  'Widen what the Conclave knows before it acts.',
  'Protect the weakest petitioners from hasty rulings.',
  'Make every ruling traceable to its reasons.',
  'Keep the witnesses independent of the archons they watch.',
  'Finish the work the Conclave has already promised.',
];
const METHODS = ['weighing the record over the rhetoric', 'asking who would lose', 'testing a claim against its strongest rival', 'counting what can be counted'];
const RED_LINES = [
  ['Never suspend the witness quorum.', 'Never spend the reserve fund without audit.'],
  ['Never silence a dissenting archon.'],
  ['Never pass a motion that hides its costs.', 'Never weaken the halt ceremony.'],
  [],
];
const PERSUADERS = [['audited figures', 'a precedent from the log'], ['a petitioner\'s testimony'], ['a working prototype', 'an honest cost estimate'], []];
const VOICES = ['terse and martial', 'ornate, fond of old forms', 'dry and precise', 'warm but unhurried', 'blunt'];

/** The 72 test archons, ranks in the Conclave's proportions, ids `ARCHON:test-<n>`. */
export function testArchons(): Archon[] {
  const ranks: Rank[] = RANKS.flatMap((rank) => Array.from({ length: RANK_COUNTS[rank] }, () => rank));
  return ranks.map((rank, i) => testArchon(i, rank));
}

export function testArchon(i: number, rank: Rank = 'Duke'): Archon {
  return {
    id: `ARCHON:test-${i}`,
    name: `Test${i}`,
    rank,
    branch: ['governance', 'knowledge', 'treasury'][i % 3]!,
    role: 'member',
    persona: {
      goal: GOALS[i % GOALS.length]!,
      epistemicMethod: METHODS[i % METHODS.length]!,
      redLines: RED_LINES[i % RED_LINES.length]!,
      persuadedBy: PERSUADERS[(i >> 1) % PERSUADERS.length]!,
      voice: VOICES[i % VOICES.length]!,
    },
  };
}

/** A request as the procedure would send it, with a neutral system message and prompt. */
export function testRequest(archon: Archon, purpose: LlmPurpose, seed: string, hints: Partial<LlmHints> = {}, prompt = 'Answer in the required format.'): LlmRequest {
  return {
    archon,
    purpose,
    system: `You are ${archon.name}.`,
    prompt,
    seed,
    hints: { motionTitle: 'Open the treasury ledger to every petitioner', motionKind: 'policy', ...hints },
  };
}
