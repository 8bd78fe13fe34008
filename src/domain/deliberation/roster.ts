import { isIdentifier } from '../chain/identifiers.js';
import { DeliberationError } from '../errors.js';
import { RANKS, RANK_COUNTS, type Archon, type Persona, type Rank } from './archon.js';

/** The branches of the Conclave's work; every archon belongs to exactly one (data/conclave/README.md). */
export const BRANCHES = ['governance', 'law', 'knowledge', 'stewardship', 'defense', 'diplomacy', 'audit', 'ethics'] as const;
export type Branch = (typeof BRANCHES)[number];

/** The standing role of the two archons who write the digests and validate the votes. */
export const SECRETARY_ROLE = 'secretary';

/** The 72, validated: `archons` in speaking order (speakingOrder), the two secretaries in that order too. */
export interface Roster {
  readonly archons: readonly Archon[];
  /** The archon with this agent id, or undefined. */
  byId(id: string): Archon | undefined;
  readonly secretaries: readonly [Archon, Archon];
}

const ID_PREFIX = 'ARCHON:';
const ROOT_MEMBERS = ['archons'];
const ARCHON_MEMBERS = ['id', 'name', 'rank', 'branch', 'role', 'persona'];
const PERSONA_MEMBERS = ['goal', 'epistemicMethod', 'redLines', 'persuadedBy', 'voice'];
const TOTAL = RANKS.reduce((sum, rank) => sum + RANK_COUNTS[rank], 0);
/** ASCII words with a capital initial, hyphen-joined (Glasya-Labolas): code-unit order is then alphabetical order. */
const NAME = /^[A-Z][a-z]+(?:-[A-Z][a-z]+)*$/;
const MAX_NAME = 32;
/** Lowercase kebab-case, e.g. `secretary`, `red-team-lead`. */
const ROLE = /^[a-z]+(?:-[a-z]+)*$/;
const MAX_ROLE = 64;
const MAX_TEXT = 400;
const MAX_ITEM = 240;
const MAX_ITEMS = 3;
// Persona text is pasted into model prompts: no control characters (C0 and DEL) and no lone surrogates.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Validates a roster document (untrusted JSON): `{ "archons": [...] }` with exactly 72 entries, each exactly
 * `{ id, name, rank, branch, role, persona: { goal, epistemicMethod, redLines, persuadedBy, voice } }`: no member
 * missing or extra; `name` ASCII words (NAME); `id` = `ARCHON:` + the lowercased name, within the identifier
 * grammar; `rank` one of RANKS with exactly RANK_COUNTS of each; `branch` one of BRANCHES; `role` kebab-case;
 * texts 1–400 characters (list items 1–240, 1–3 per list) without surrounding whitespace or control characters;
 * names and ids unique; exactly two archons with role `secretary`. Returns fresh objects in speaking order; the
 * input is not kept. Throws DeliberationError DELIBERATION_ROSTER_INVALID naming the entry (index and id) and the
 * field (details: { index?, id?, field }).
 */
export function parseRoster(json: unknown): Roster {
  const root = members(json, ROOT_MEMBERS, {}, { field: 'document', what: 'the roster', prefix: '' });
  const list = root.archons;
  if (!Array.isArray(list)) throw invalid('roster: archons must be an array', { field: 'archons' });
  if (list.length !== TOTAL) throw invalid(`roster: archons must hold exactly ${TOTAL} entries, not ${list.length}`, { field: 'archons' });
  // Array.from visits holes too (a sparse array is not JSON, but the input is only `unknown`).
  const parsed = Array.from(list as unknown[], (entry, index) => parseArchon(entry, index));
  // The id is derived from the name and NAME admits one spelling per lowercase form, so a repeated name shows up as
  // a repeated id; names are checked as well so that neither check depends on the other.
  requireUnique(parsed, 'id');
  requireUnique(parsed, 'name');
  for (const rank of RANKS) {
    const count = parsed.filter((archon) => archon.rank === rank).length;
    if (count !== RANK_COUNTS[rank]) throw invalid(`roster: ${count} archons hold rank ${rank}; the Conclave has exactly ${RANK_COUNTS[rank]}`, { field: 'rank', rank });
  }
  const archons = Object.freeze(speakingOrder(parsed));
  const secretaries = archons.filter((archon) => archon.role === SECRETARY_ROLE);
  if (secretaries.length !== 2) {
    throw invalid(`roster: exactly 2 archons must have role "${SECRETARY_ROLE}", not ${secretaries.length} (${secretaries.map((a) => a.id).join(', ')})`, { field: 'role' });
  }
  const byId = new Map(archons.map((archon) => [archon.id, archon]));
  return Object.freeze({
    archons,
    byId: (id: string) => byId.get(id),
    secretaries: Object.freeze([secretaries[0], secretaries[1]] as [Archon, Archon]),
  });
}

/**
 * The speaking order: by tier in RANKS order (Kings, Dukes, Marquis, Presidents, then Princes, Earls and the
 * Knight), and within a tier by name compared as UTF-16 code units, so the order never depends on a locale.
 * Returns a new array; equal keys keep their input order (Array.prototype.sort is stable).
 */
export function speakingOrder(archons: readonly Archon[]): Archon[] {
  return [...archons].sort((a, b) => RANKS.indexOf(a.rank) - RANKS.indexOf(b.rank) || compareCodeUnits(a.name, b.name));
}

function parseArchon(entry: unknown, index: number): Archon {
  const raw = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).id : undefined;
  // The id is attacker-controlled: it is quoted in messages only once it is known to be a short identifier.
  const where: Where = typeof raw === 'string' && isIdentifier(raw) ? { index, id: raw } : { index };
  const record = members(entry, ARCHON_MEMBERS, where, { field: 'entry', what: 'an archon', prefix: '' });
  const name = text(record.name, MAX_NAME, where, 'name');
  if (!NAME.test(name)) throw fieldError(where, 'name', 'must be ASCII words with capital initials, joined by hyphens (e.g. "Bael", "Glasya-Labolas")');
  const id = record.id;
  if (typeof id !== 'string' || !id.startsWith(ID_PREFIX)) throw fieldError(where, 'id', `must be a string starting with "${ID_PREFIX}"`);
  if (!isIdentifier(id)) throw fieldError(where, 'id', 'must match the identifier grammar ^[A-Za-z0-9][A-Za-z0-9:_.\\-]*$ (at most 128 characters)');
  if (id !== ID_PREFIX + name.toLowerCase()) throw fieldError(where, 'id', `must be "${ID_PREFIX}" followed by the lowercased name ("${ID_PREFIX}${name.toLowerCase()}")`);
  const rank = record.rank;
  if (!(RANKS as readonly unknown[]).includes(rank)) throw fieldError(where, 'rank', `must be one of ${RANKS.join(', ')}`);
  const branch = record.branch;
  if (!(BRANCHES as readonly unknown[]).includes(branch)) throw fieldError(where, 'branch', `must be one of ${BRANCHES.join(', ')}`);
  const role = text(record.role, MAX_ROLE, where, 'role');
  if (!ROLE.test(role)) throw fieldError(where, 'role', 'must be lowercase words joined by hyphens (e.g. "secretary", "red-team-lead")');
  return { id, name, rank: rank as Rank, branch: branch as Branch, role, persona: parsePersona(record.persona, where) };
}

function parsePersona(value: unknown, where: Where): Persona {
  const record = members(value, PERSONA_MEMBERS, where, { field: 'persona', what: 'a persona', prefix: 'persona.' });
  return {
    goal: text(record.goal, MAX_TEXT, where, 'persona.goal'),
    epistemicMethod: text(record.epistemicMethod, MAX_TEXT, where, 'persona.epistemicMethod'),
    redLines: items(record.redLines, where, 'persona.redLines'),
    persuadedBy: items(record.persuadedBy, where, 'persona.persuadedBy'),
    voice: text(record.voice, MAX_TEXT, where, 'persona.voice'),
  };
}

/** Where a problem is: the roster itself ({}), or entry `index` (with its id once that is known to be safe). */
interface Where {
  index?: number;
  id?: string;
}

/** Names an object in messages: `field` when it is not an object, `what` and `prefix` for a member it must not hold. */
interface ObjectName {
  field: string;
  what: string;
  prefix: string;
}

/** `value` as an object holding no member outside `allowed`; only own members are read (a missing one is undefined). */
function members(value: unknown, allowed: readonly string[], where: Where, name: ObjectName): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fieldError(where, name.field, 'must be a JSON object');
  const own = value as Record<string, unknown>;
  const extra = Object.keys(own).find((key) => !allowed.includes(key));
  // Member names are attacker-controlled: quoted, escaped and cut short in the message.
  if (extra !== undefined) {
    const field = name.prefix + extra.slice(0, 64);
    throw fieldError(where, field, `is not a member of ${name.what} (allowed: ${allowed.join(', ')})`, JSON.stringify(field));
  }
  return Object.fromEntries(allowed.map((key) => [key, Object.hasOwn(own, key) ? own[key] : undefined]));
}

function text(value: unknown, max: number, where: Where, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value !== value.trim() || CONTROL.test(value) || !value.isWellFormed()) {
    throw fieldError(where, field, `must be a string of 1–${max} characters, without surrounding whitespace or control characters`);
  }
  return value;
}

function items(value: unknown, where: Where, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ITEMS) throw fieldError(where, field, `must be an array of 1–${MAX_ITEMS} strings`);
  return Array.from(value as unknown[], (item, i) => text(item, MAX_ITEM, where, `${field}[${i}]`));
}

function requireUnique(archons: readonly Archon[], key: 'id' | 'name'): void {
  const seen = new Map<string, number>();
  archons.forEach((archon, index) => {
    const first = seen.get(archon[key]);
    if (first !== undefined) throw fieldError({ index, id: archon.id }, key, `duplicates the ${key} of archons[${first}] (${JSON.stringify(archon[key])})`);
    seen.set(archon[key], index);
  });
}

/** `shown` is how the message names the field (quoted when it came from the input). */
function fieldError(where: Where, field: string, problem: string, shown = field): DeliberationError {
  const entry = where.index === undefined ? 'roster' : `roster archons[${where.index}]${where.id === undefined ? '' : ` (${where.id})`}`;
  return invalid(`${entry}: ${shown} ${problem}`, { ...where, field });
}

function invalid(message: string, details: Record<string, unknown>): DeliberationError {
  return new DeliberationError({ code: 'DELIBERATION_ROSTER_INVALID', message, details });
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
