import { randomUUID } from 'node:crypto';
import { DEFAULT_SESSION_RULES } from '../../src/domain/deliberation/session-rules.js';
import { SessionProcedure } from '../../src/domain/deliberation/session-procedure.js';
import type { Motion } from '../../src/domain/deliberation/motion.js';
import type { Roster } from '../../src/domain/deliberation/roster.js';
import type { SessionEvent } from '../../src/domain/deliberation/session-events.js';

/** The opening event of a fresh session of the whole roster (one debate round, simulated provider) on `motion`. */
export function rosterOpening(roster: Roster, motion: Motion, seed: string): { opening: SessionEvent; sessionId: string } {
  const sessionId = randomUUID();
  const opening = SessionProcedure.openingEvent({
    sessionId,
    motion,
    rules: { ...DEFAULT_SESSION_RULES, rounds: 1 },
    seats: roster.archons.map((a) => ({ id: a.id, rank: a.rank })),
    secretaries: [roster.secretaries[0].id, roster.secretaries[1].id],
    witness: 'ARCHON:furcas',
    seed,
    provider: 'simulated',
  });
  return { opening, sessionId };
}
