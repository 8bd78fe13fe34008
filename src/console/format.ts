/** "5 s", "3 min", "2 h", "4 d": how long ago an RFC 3339 time was, from this browser's clock. */
export function age(time: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (!Number.isFinite(seconds)) return 'an unknown time';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** A short form of a hash or signature for lists (the full value is in the event view). */
export function short(text: string, keep = 12): string {
  return text.length <= keep ? text : `${text.slice(0, keep)}…`;
}
