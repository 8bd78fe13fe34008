/** Values of the active key that mean halted, after trimming and lower-casing (operators type these by hand). */
const HALTED_VALUES = new Set(['true', '1', 'yes']);

/**
 * Whether the stored active key means halted. Attacker- and typo-prone input: anything not in the accepted set,
 * including an absent key (null), means not halted; the database's halt_state stays canonical either way.
 */
export function parseHaltFlag(value: string | null | undefined): boolean {
  return typeof value === 'string' && HALTED_VALUES.has(value.trim().toLowerCase());
}
