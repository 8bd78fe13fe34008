/** The seven ranks of the roster, in speaking-tier order (runbook §2.1's 72-agent Conclave). */
export const RANKS = ['King', 'Duke', 'Marquis', 'President', 'Prince', 'Earl', 'Knight'] as const;
export type Rank = (typeof RANKS)[number];

/** How many archons hold each rank: 72 in all. */
export const RANK_COUNTS: Readonly<Record<Rank, number>> = { King: 9, Duke: 23, Marquis: 15, President: 11, Prince: 7, Earl: 6, Knight: 1 };

/** Who an archon is when it speaks: written for this project, read by the model providers. */
export interface Persona {
  /** What the archon wants the Conclave to achieve. */
  goal: string;
  /** How it decides what is true. */
  epistemicMethod: string;
  /** What it will never vote for. */
  redLines: string[];
  /** What changes its mind. */
  persuadedBy: string[];
  /** How it sounds. */
  voice: string;
}

/** One of the 72. `id` is its agent id in the log (`ARCHON:<lowercase name>`), which signs its acts. */
export interface Archon {
  id: string;
  name: string;
  rank: Rank;
  /** Its branch of the Conclave's work (e.g. governance, knowledge, …): see data/conclave/roster.json. */
  branch: string;
  /** Its standing role in the Conclave. */
  role: string;
  persona: Persona;
}
