/** Default key prefix: the keys runbook §9.3 has operators SET by hand. */
export const DEFAULT_HALT_KEY_PREFIX = 'archon72:halt:';

/** The Redis names one halt channel uses. */
export interface RedisHaltKeys {
  /** "true" while halted (an operator may write "TRUE", "1" or "yes"); absent or anything else: not halted. */
  active: string;
  /** Why; plain text, as an operator writes it. */
  reason: string;
  /** Pub/sub channel carrying raise and clear messages (halt-message.ts). */
  events: string;
  /** Keyspace-notification channel of `active`; silent unless the server has notify-keyspace-events enabled. */
  activeKeyspace: string;
}

/** Names for `prefix` on database `db` (keyspace channels name the database). */
export function toRedisHaltKeys(prefix: string, db: number): RedisHaltKeys {
  return {
    active: `${prefix}active`,
    reason: `${prefix}reason`,
    events: `${prefix}events`,
    activeKeyspace: `__keyspace@${db}__:${prefix}active`,
  };
}
