import type { LlmHints } from '../../app/ports.js';
import type { Archon } from '../../domain/deliberation/archon.js';
import { sha256 } from '../../domain/encoding/sha256.js';

/** A declared position in debate (the speech's `STANCE:` line). */
export type Stance = 'FOR' | 'AGAINST' | 'NEUTRAL';
/** A ballot (the vote's `{"choice":…}` line). */
export type Choice = 'AYE' | 'NAY' | 'ABSTAIN';

/** Average chance that an archon who takes a side takes FOR, before the motion's and the archon's shifts. */
const BASE_LEAN = 0.76;
/** How much one motion is more or less popular than another, across the whole Conclave (± half of it). */
const MOTION_SPREAD = 0.5;
/** How much one archon's lean on one motion differs from the Conclave's (± half of it). */
const ARCHON_SPREAD = 0.5;
/** A fresh stance is NEUTRAL this often. */
const NEUTRAL_RATE = 0.1;
/** A declared stance is kept this often when the archon speaks again. */
const STICKINESS = 0.85;
/** Words of a motion title too common to say anything about a persona. */
const STOP_WORDS = new Set(['motion', 'conclave', 'archon', 'archons', 'about', 'after', 'before', 'their', 'which', 'shall', 'should', 'would', 'there', 'these', 'those', 'where', 'under', 'every']);

/**
 * A seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG) keyed with the first
 * 16 bytes of SHA-256(key). Returns numbers in [0, 1). The same key always gives the same sequence.
 */
export function createSeededRandom(key: string): () => number {
  const digest = sha256(key);
  const view = new DataView(digest.buffer, digest.byteOffset, 16);
  let a = view.getUint32(0);
  let b = view.getUint32(4);
  let c = view.getUint32(8);
  let d = view.getUint32(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * The chance, in [0.05, 0.95], that `archon` sides FOR the motion when it takes a side. It depends only on the
 * motion (title, kind), the archon's id and its persona, never on the act's seed, so an archon leans the same way
 * through a whole session: a Conclave-wide shift per motion (so some motions are popular and some are not), a
 * per-archon shift (hash of id and title), a pull against when a title word appears in its red lines and a pull
 * for when one appears in its goal or in what persuades it.
 */
export function leanFor(archon: Archon, hints: Pick<LlmHints, 'motionTitle' | 'motionKind'>): number {
  const motionShift = (unitOf(`motion\n${hints.motionKind}\n${hints.motionTitle}`) - 0.5) * MOTION_SPREAD;
  const archonShift = (unitOf(`lean\n${archon.id}\n${hints.motionTitle}`) - 0.5) * ARCHON_SPREAD;
  const words = titleWords(hints.motionTitle);
  const mentions = (texts: readonly string[]): boolean => {
    const haystack = texts.join(' ').toLowerCase();
    return words.some((word) => haystack.includes(word));
  };
  const personaShift = (mentions(archon.persona.redLines) ? -0.35 : 0) + (mentions([archon.persona.goal, ...archon.persona.persuadedBy]) ? 0.1 : 0);
  return Math.min(0.95, Math.max(0.05, BASE_LEAN + motionShift + archonShift + personaShift));
}

/**
 * The stance an archon declares: `hints.mustArgue` when it is told which side to argue; else its prior stance,
 * kept with probability STICKINESS; else a fresh draw (NEUTRAL_RATE neutral, otherwise FOR with probability `lean`).
 */
export function drawStance(random: () => number, hints: LlmHints, lean: number): Stance {
  if (hints.mustArgue !== undefined) return hints.mustArgue;
  if (hints.priorStance !== undefined && random() < STICKINESS) return hints.priorStance;
  return freshStance(random, lean);
}

/**
 * The ballot of an archon whose stance is `stance`: FOR votes AYE (92 %), ABSTAIN (4 %) or NAY (4 %); AGAINST the
 * mirror image; NEUTRAL abstains half the time and otherwise votes its lean.
 */
export function drawChoice(random: () => number, stance: Stance, lean: number): Choice {
  const r = random();
  if (stance === 'FOR') return r < 0.92 ? 'AYE' : r < 0.96 ? 'ABSTAIN' : 'NAY';
  if (stance === 'AGAINST') return r < 0.92 ? 'NAY' : r < 0.96 ? 'ABSTAIN' : 'AYE';
  if (r < 0.5) return 'ABSTAIN';
  return random() < lean ? 'AYE' : 'NAY';
}

/** A stance drawn without regard to any prior one. */
export function freshStance(random: () => number, lean: number): Stance {
  if (random() < NEUTRAL_RATE) return 'NEUTRAL';
  return random() < lean ? 'FOR' : 'AGAINST';
}

/** SHA-256(key) read as a number in [0, 1). */
function unitOf(key: string): number {
  const digest = sha256(key);
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0) / 4294967296;
}

/** The title's distinctive words: lowercase letter runs of five or more, without STOP_WORDS. */
function titleWords(title: string): string[] {
  return (title.toLowerCase().match(/\p{L}{5,}/gu) ?? []).filter((word) => !STOP_WORDS.has(word));
}
