import { sha256Hex } from '../encoding/sha256.js';
import type { Seat } from './session-events.js';

/**
 * The red team: up to `size` present archons, each of a different rank, drawn from the session's seed so anyone
 * replaying the log draws the same. Ranks are ordered by SHA-256(seed ‖ "/red-team/" ‖ rank) and the first `size`
 * taken; within a rank, the archon with the smallest SHA-256(seed ‖ "/red-team/" ‖ id). Returned in speaking order.
 */
export function chooseRedTeam(present: readonly Seat[], size: number, seed: string): string[] {
  const key = (text: string) => sha256Hex(`${seed}/red-team/${text}`);
  const byRank = new Map<string, Seat[]>();
  for (const seat of present) byRank.set(seat.rank, [...(byRank.get(seat.rank) ?? []), seat]);
  const ranks = [...byRank.keys()].map((rank) => ({ rank, key: key(rank) })).sort((a, b) => (a.key < b.key ? -1 : 1));
  const chosen = new Set<string>();
  for (const { rank } of ranks.slice(0, size)) {
    const seats = (byRank.get(rank) as Seat[]).map((s) => ({ id: s.id, key: key(s.id) })).sort((a, b) => (a.key < b.key ? -1 : 1));
    chosen.add((seats[0] as { id: string }).id);
  }
  return present.filter((s) => chosen.has(s.id)).map((s) => s.id);
}
